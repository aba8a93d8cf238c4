using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using FaceParse.Tensors.Runtime;

namespace FaceParse.Tensors.Kernels;

// Winograd F(2×2, 3×3) (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016): every 2×2 output tile is
// Y = Aᵀ [ Σ_ci (G g Gᵀ) ⊙ (Bᵀ d B) ] A over the 4×4 input tile d, so the 16 element-wise products summed over input channels
// become 16 GEMMs [Cout × Cin] · [Cin × tiles] doing 16 multiplies per 4 outputs instead of 36 (2.25× fewer).
//   Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]   G = [1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1]   Aᵀ = [1 1 1 0; 0 1 -1 -1]
// AVX-512 only (other levels keep the direct kernel). Work item = a band of tile rows of one image: its input band is padded
// with even/odd columns split (so tile column j of 16 neighbouring tiles is one vector load), transformed to V[16][Cin][T],
// multiplied by the pre-transformed weights with the shared register-tile micro-kernel (B rows read in place, no packing),
// and transformed back 8 output channels at a time while their products M[16][8][T] are in L1/L2.
public static partial class Conv2d
{
    private const int WinogradMr = 8, WinogradNr = 32, WinogradGroup = 16;

    /// <summary>Whether <see cref="Forward"/> runs this geometry with Winograd F(2×2, 3×3) at the active SIMD level.</summary>
    public static bool UsesWinograd(in Conv2dGeometry g) =>
        CpuFeatures.Active == SimdLevel.Avx512 && Avx512F.IsSupported
        && g.KernelHeight == 3 && g.KernelWidth == 3 && g.StrideHeight == 1 && g.StrideWidth == 1
        && g.DilationHeight == 1 && g.DilationWidth == 1 && g.Groups == 1
        && g.InChannels >= 16 && g.OutChannels >= 16 && g.OutWidth >= 16 && g.OutHeight >= 4;

    /// <summary>Multiply-accumulates the kernel chosen for <paramref name="g"/> executes when it is Winograd (tile padding
    /// included), or null when another kernel runs it.</summary>
    public static long? WinogradMacs(in Conv2dGeometry g)
    {
        if (!UsesWinograd(g)) return null;
        long tiles = (long)(g.OutHeight + 1) / 2 * (((g.OutWidth + 1) / 2 + WinogradGroup - 1) / WinogradGroup * WinogradGroup);
        return g.Batch * 16L * ((g.OutChannels + WinogradMr - 1) / WinogradMr * WinogradMr) * g.InChannels * tiles;
    }

    // x[N,Cin,H,W], w[Cout,Cin,3,3] (stride 1, dilation 1, one group) -> y[N,Cout,Ho,Wo] = act(conv + bias + residual), output
    // rows [rowStart, rowEnd) only (rowStart even: whole 2×2 tiles); the rest of y is left as it is
    private static unsafe void Winograd(float* x, float* w, float* bias, float* residual, Conv2dGeometry g, Epilogue epilogue, float* y,
        int rowStart = 0, int rowEnd = int.MaxValue)
    {
        int cin = g.InChannels, blocks = (g.OutChannels + WinogradMr - 1) / WinogradMr;
        int tilesH = (g.OutHeight + 1) / 2, tilesWp = ((g.OutWidth + 1) / 2 + WinogradGroup - 1) / WinogradGroup * WinogradGroup;
        int tileFirst = rowStart / 2, tileEnd = Math.Min(tilesH, (Math.Min(rowEnd, g.OutHeight) + 1) / 2), tileSpan = tileEnd - tileFirst;
        if (tileSpan <= 0) return;
        var layout = new PaddedLayout(g with { StrideWidth = 2 }, interleaved: true); // phase 0 = even padded columns, 1 = odd
        float* u = WinogradWeights(w, g.OutChannels, cin, blocks, g.Macs >= (1 << 18));
        int tileRows = WinogradTileRows(g, tileSpan, tilesWp, g.Macs >= (1 << 18));
        int tb = tileRows * tilesWp, bandsPerImage = (tileSpan + tileRows - 1) / tileRows;
        int* offsets = Workspace.GetInts(Workspace.Slot.Offsets, cin);
        for (int ci = 0; ci < cin; ci++) offsets[ci] = ci * tb;
        nint px = (nint)x, pu = (nint)u, pb = (nint)bias, pr = (nint)residual, py = (nint)y, po = (nint)offsets;
        Action<int> item = [MethodImpl(MethodImplOptions.AggressiveOptimization)] (int i) =>
        {
            int n = i / bandsPerImage, ty0 = tileFirst + i % bandsPerImage * tileRows, rows = Math.Min(tileEnd, ty0 + tileRows) - ty0;
            float* band = Workspace.Get(Workspace.Slot.Input, (2L * rows + 2) * layout.RowStride + layout.Tail);
            layout.FillRows((float*)px + (long)n * cin * g.InHeight * g.InWidth, 2 * ty0, 2 * rows + 2, band);
            float* v = Workspace.Get(Workspace.Slot.WinogradV, 16L * cin * tb);
            WinogradInput(band, layout, cin, rows, tilesWp, tb, v);
            float* m = Workspace.Get(Workspace.Slot.WinogradM, 16L * WinogradMr * tb);
            int used = rows * tilesWp;
            for (int cb = 0; cb < blocks; cb++)
            {
                for (int xi = 0; xi < 16; xi++)
                    for (int t = 0; t < used; t += WinogradNr)
                        MicroKernel.TileClipped<Ops512, Vector512<float>>((float*)pu + ((long)xi * blocks + cb) * cin * WinogradMr,
                            v + (long)xi * cin * tb + t, (int*)po, cin, WinogradMr, Math.Min(WinogradNr, used - t),
                            new TileOut { C = m + (long)xi * WinogradMr * tb + t, Ldc = tb });
                int co0 = cb * WinogradMr;
                var o = new TileOut
                {
                    C = (float*)py + ((long)n * g.OutChannels + co0) * g.OutHeight * g.OutWidth, Ldc = g.OutHeight * g.OutWidth,
                    Bias = pb == 0 ? null : (float*)pb + co0, Act = epilogue,
                    Residual = pr == 0 ? null : (float*)pr + ((long)n * g.OutChannels + co0) * g.OutHeight * g.OutWidth, Ldr = g.OutHeight * g.OutWidth,
                };
                WinogradOutput(m, tb, Math.Min(WinogradMr, g.OutChannels - co0), ty0, rows, tilesWp, g.OutHeight, g.OutWidth, o);
            }
        };
        int items = g.Batch * bandsPerImage;
        if (g.Macs < (1 << 18)) for (int i = 0; i < items; i++) item(i);
        else Parallelism.For(items, item);
    }

    // Tile rows per work item: V[16][Cin][T] within ~512 KiB of L2, at least one 32-tile chunk, and ≥ 8 items per thread in parallel.
    private static int WinogradTileRows(in Conv2dGeometry g, int tilesH, int tilesWp, bool parallel)
    {
        int minRows = Math.Max(1, WinogradNr / tilesWp), rows = Math.Max(minRows, (int)(512 * 1024 / (16L * 4 * g.InChannels * tilesWp)));
        if (parallel)
            while (rows > minRows && (long)g.Batch * ((tilesH + rows - 1) / rows) < 8L * Parallelism.Threads) rows--;
        return Math.Min(rows, tilesH);
    }

    // w[Cout,Cin,3,3] -> U = G g Gᵀ packed [16][blocks][Cin][8] (rows past Cout zero), in this thread's Weights workspace
    private static unsafe float* WinogradWeights(float* w, int cout, int cin, int blocks, bool parallel)
    {
        long xiStride = (long)blocks * cin * WinogradMr;
        float* u = Workspace.Get(Workspace.Slot.Weights, 16 * xiStride);
        nint pw = (nint)w, pu = (nint)u;
        int chunks = parallel ? Math.Min(Parallelism.Threads, blocks) : 1;
        Parallelism.For(chunks, t =>
        {
            for (int cb = blocks * t / chunks; cb < blocks * (t + 1) / chunks; cb++)
                WinogradWeightBlock((float*)pw, cout, cin, cb, (float*)pu + (long)cb * cin * WinogradMr, xiStride);
        });
        return u;
    }

    // Output channels cb·8 .. cb·8+7 (one Vector256 lane each, gathered; lanes past Cout read nothing and stay 0):
    // U = G g Gᵀ for every input channel into dst[ξ·xiStride + ci·8 + lane]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void WinogradWeightBlock(float* w, int cout, int cin, int cb, float* dst, long xiStride)
    {
        int valid = Math.Min(WinogradMr, cout - cb * WinogradMr);
        var lanes = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        Vector256<int> index = lanes * (cin * 9);
        Vector256<float> mask = Vector256.LessThan(lanes, Vector256.Create(valid)).AsSingle(), half = Vector256.Create(0.5f);
        float* k0 = w + (long)cb * WinogradMr * cin * 9;
        for (int ci = 0; ci < cin; ci++)
        {
            float* k = k0 + ci * 9;
            // G g, row by row: [1 0 0], [½ ½ ½], [½ -½ ½], [0 0 1] applied to the kernel's rows 0..2, column c
            Vector256<float> g00 = Gather(k, index, mask, 0), g01 = Gather(k, index, mask, 1), g02 = Gather(k, index, mask, 2);
            Vector256<float> g20 = Gather(k, index, mask, 6), g21 = Gather(k, index, mask, 7), g22 = Gather(k, index, mask, 8);
            Vector256<float> m0 = Gather(k, index, mask, 3), m1 = Gather(k, index, mask, 4), m2 = Gather(k, index, mask, 5);
            Vector256<float> s0 = (g00 + g20) * half, s1 = (g01 + g21) * half, s2 = (g02 + g22) * half;
            Vector256<float> h0 = m0 * half, h1 = m1 * half, h2 = m2 * half;
            float* d = dst + ci * WinogradMr;
            StoreGgRow(g00, g01, g02, d, xiStride, half);
            StoreGgRow(s0 + h0, s1 + h1, s2 + h2, d + 4 * xiStride, xiStride, half);
            StoreGgRow(s0 - h0, s1 - h1, s2 - h2, d + 8 * xiStride, xiStride, half);
            StoreGgRow(g20, g21, g22, d + 12 * xiStride, xiStride, half);
        }
    }

    // One row (a, b, c) of G g times Gᵀ: [a, ½(a+b+c), ½(a−b+c), c] at ξ = 4·r + 0..3
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreGgRow(Vector256<float> a, Vector256<float> b, Vector256<float> c, float* d, long xiStride, Vector256<float> half)
    {
        a.Store(d);
        ((a + b + c) * half).Store(d + xiStride);
        ((a - b + c) * half).Store(d + 2 * xiStride);
        c.Store(d + 3 * xiStride);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<float> Gather(float* k, Vector256<int> index, Vector256<float> mask, int tap) =>
        Avx2.GatherMaskVector256(Vector256<float>.Zero, k + tap, index, mask, 4);
}
