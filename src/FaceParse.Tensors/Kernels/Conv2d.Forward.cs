using System.Runtime.CompilerServices;
using FaceParse.Tensors.Runtime;

namespace FaceParse.Tensors.Kernels;

public static partial class Conv2d
{
    // x[N,Cin,H,W], w[Cout,Cin/g,Kh,Kw], bias[Cout]|[], residual[N,Cout,Ho,Wo]|[] -> y[N,Cout,Ho,Wo] = act(conv + bias + residual)
    public static unsafe void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, ReadOnlySpan<float> residual, Conv2dGeometry g, Epilogue epilogue, Span<float> y)
    {
        CheckForward(x.Length, w.Length, bias.Length, residual.Length, y.Length, g);
        fixed (float* px = x, pw = w, pb = bias, pr = residual, py = y)
            ForwardCore(px, pw, bias.IsEmpty ? null : pb, residual.IsEmpty ? null : pr, g, epilogue, py);
    }

    /// <summary>Whether <see cref="ForwardRows"/> can compute a band of output rows of this geometry: the Winograd kernel's
    /// geometries (3×3, stride 1, one group) at the active SIMD level.</summary>
    public static bool SupportsRows(in Conv2dGeometry g) => UsesWinograd(g);

    /// <summary><see cref="Forward"/> for output rows [rowStart, rowEnd) only, the rest of y untouched: it reads the input
    /// rows those need (one more above and below) and the same rows of the residual. rowStart must be even (whole 2×2 tiles)
    /// and rowEnd even or the output height. Lets a chain of convolutions run band by band (<see cref="ConvChain"/>).</summary>
    // x[N,Cin,H,W], w[Cout,Cin,3,3], bias[Cout]|[], residual[N,Cout,Ho,Wo]|[] -> y[N,Cout,rowStart:rowEnd,Wo] = act(conv + bias + residual)
    public static unsafe void ForwardRows(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, ReadOnlySpan<float> residual,
        Conv2dGeometry g, Epilogue epilogue, Span<float> y, int rowStart, int rowEnd)
    {
        CheckForward(x.Length, w.Length, bias.Length, residual.Length, y.Length, g);
        if (!SupportsRows(g)) throw new NotSupportedException($"conv2d: no banded kernel for this geometry at {CpuFeatures.Active} (see SupportsRows).");
        if (rowStart < 0 || rowStart % 2 != 0 || rowEnd <= rowStart || rowEnd > g.OutHeight || (rowEnd % 2 != 0 && rowEnd != g.OutHeight))
            throw new ArgumentOutOfRangeException(nameof(rowStart), $"conv2d: rows [{rowStart}, {rowEnd}) of {g.OutHeight} must start even and end even or at the last row.");
        fixed (float* px = x, pw = w, pb = bias, pr = residual, py = y)
            Winograd(px, pw, bias.IsEmpty ? null : pb, residual.IsEmpty ? null : pr, g, epilogue, py, rowStart, rowEnd);
    }

    /// <summary>Picks the kernel for the geometry: depthwise, 1×1 as GEMM, Winograd F(2×2, 3×3), direct register-tiled, or im2col + GEMM.</summary>
    internal static unsafe void ForwardCore(float* x, float* w, float* bias, float* residual, in Conv2dGeometry g, Epilogue epilogue, float* y)
    {
        if (g.Groups == g.InChannels && g.OutChannels == g.InChannels && g.Groups > 1)
            Depthwise(x, w, bias, residual, g, epilogue, y);
        else if (g.KernelHeight == 1 && g.KernelWidth == 1 && g.StrideHeight == 1 && g.StrideWidth == 1 && g.PadHeight == 0 && g.PadWidth == 0)
            GemmPerGroup(x, g.InHeight * g.InWidth, w, bias, residual, g, epilogue, y, im2col: false);
        else if (UsesWinograd(g))
            Winograd(x, w, bias, residual, g, epilogue, y);
        else if (UseDirect(g))
            Direct(x, w, bias, residual, g, epilogue, y);
        else
            GemmPerGroup(x, g.OutHeight * g.OutWidth, w, bias, residual, g, epilogue, y, im2col: true);
    }

    // The direct kernel tiles output rows by two vectors; narrow outputs waste lanes, so they go through im2col + GEMM.
    private static bool UseDirect(in Conv2dGeometry g)
    {
        int nr = CpuFeatures.Active switch { SimdLevel.Avx512 => 32, SimdLevel.Avx2Fma => 16, SimdLevel.Vector128 => 8, _ => 2 };
        return g.OutWidth * 4 >= nr * 3 || g.OutWidth % nr == 0;
    }

    internal static void CheckForward(int xLength, int wLength, int biasLength, int residualLength, int yLength, in Conv2dGeometry g)
    {
        g.Validate();
        string shapes = $"x[{g.Batch},{g.InChannels},{g.InHeight},{g.InWidth}], w[{g.OutChannels},{g.InChannelsPerGroup},{g.KernelHeight},{g.KernelWidth}], y[{g.Batch},{g.OutChannels},{g.OutHeight},{g.OutWidth}]";
        if (xLength < g.InputSize) throw new ArgumentException($"conv2d: x has {xLength} elements, needs {g.InputSize} for {shapes}.");
        if (wLength < g.WeightSize) throw new ArgumentException($"conv2d: w has {wLength} elements, needs {g.WeightSize} for {shapes}.");
        if (yLength < g.OutputSize) throw new ArgumentException($"conv2d: y has {yLength} elements, needs {g.OutputSize} for {shapes}.");
        if (biasLength != 0 && biasLength < g.OutChannels) throw new ArgumentException($"conv2d: bias has {biasLength} elements, needs {g.OutChannels} (or none) for {shapes}.");
        if (residualLength != 0 && residualLength < g.OutputSize) throw new ArgumentException($"conv2d: residual has {residualLength} elements, needs {g.OutputSize} (or none) for {shapes}.");
    }

    // x[N,Cin,H,W], w[Cout,Cin/g,Kh,Kw] -> y[N,Cout,Ho,Wo]: direct convolution, any kernel/stride/dilation/groups
    private static unsafe void Direct(float* x, float* w, float* bias, float* residual, in Conv2dGeometry g, Epilogue epilogue, float* y)
    {
        SimdDispatch.Run(new ConvCall(x, w, bias, residual, g, epilogue, y, depthwise: false));
    }

    // One convolution call's arguments, run by the direct or the depthwise kernel at the dispatched SIMD level.
    private readonly unsafe struct ConvCall(float* x, float* w, float* bias, float* residual, Conv2dGeometry g, Epilogue epilogue, float* y, bool depthwise) : IVecKernel
    {
        public void Run<TOps, TVec>() where TOps : IVecOps<TVec> where TVec : struct
        {
            if (depthwise) Depthwise<TOps, TVec>(x, w, bias, residual, g, epilogue, y);
            else Direct<TOps, TVec>(x, w, bias, residual, g, epilogue, y);
        }
    }

    // Implicit GEMM per output row: tile = MR output channels × 2 vectors of output columns; the "B panel" is read straight
    // from the padded, phase-split input through a per-tap offset table, the weights are packed [group][block][K][MR].
    // Work item = one band of output rows of one image: its padded input rows (all channels) are filled into this thread's
    // buffer just before use, then each weight panel (L1) sweeps every tile of the band while the band sits in L2.
    private static unsafe void Direct<TOps, TVec>(float* x, float* w, float* bias, float* residual, Conv2dGeometry g, Epilogue epilogue, float* y)
        where TOps : IVecOps<TVec> where TVec : struct
    {
        int mr = TOps.Rows, nr = 2 * TOps.Width;
        int cinG = g.InChannelsPerGroup, coutG = g.OutChannelsPerGroup, taps = g.KernelHeight * g.KernelWidth, k = cinG * taps;
        int blocks = (coutG + mr - 1) / mr, ho = g.OutHeight, wo = g.OutWidth;
        var layout = new PaddedLayout(g, interleaved: true);
        float* wp = PackDirectWeights(w, g, mr, blocks, k);
        int* offsets = Workspace.GetInts(Workspace.Slot.Offsets, k);
        for (int ci = 0; ci < cinG; ci++)
            for (int ky = 0; ky < g.KernelHeight; ky++)
                for (int kx = 0; kx < g.KernelWidth; kx++)
                    offsets[(ci * g.KernelHeight + ky) * g.KernelWidth + kx] = checked((int)layout.TapOffset(ci, ky, kx));

        int band = BandHeight(g, layout, parallel: g.Macs >= (1 << 18));
        int bandsPerImage = (ho + band - 1) / band, items = g.Batch * bandsPerImage;
        nint px = (nint)x, pw = (nint)wp, pb = (nint)bias, pr = (nint)residual, py = (nint)y, po = (nint)offsets;
        Action<int> item = [MethodImpl(MethodImplOptions.AggressiveOptimization)] (int i) =>
        {
            long plane = (long)ho * wo;
            int n = i / bandsPerImage, oy0 = i % bandsPerImage * band, oy1 = Math.Min(ho, oy0 + band);
            int rows = layout.BandRows(oy1 - oy0);
            float* xb = Workspace.Get(Workspace.Slot.Input, rows * layout.RowStride + layout.Tail);
            layout.FillRows((float*)px + (long)n * g.InChannels * g.InHeight * g.InWidth, oy0 * g.StrideHeight, rows, xb);
            for (int grp = 0; grp < g.Groups; grp++)
                for (int cb = 0; cb < blocks; cb++)
                {
                    int co0 = grp * coutG + cb * mr;
                    float* panel = (float*)pw + ((long)grp * blocks + cb) * k * mr;
                    for (int oy = oy0; oy < oy1; oy++)
                    {
                        float* bRow = xb + grp * cinG * layout.ChannelStride + layout.RowOffset(oy - oy0);
                        for (int ox = 0; ox < wo; ox += nr)
                        {
                            long yo = ((long)n * g.OutChannels + co0) * plane + (long)oy * wo + ox;
                            var o = new TileOut
                            {
                                C = (float*)py + yo, Ldc = (nint)plane,
                                Bias = pb == 0 ? null : (float*)pb + co0,
                                Residual = pr == 0 ? null : (float*)pr + yo, Ldr = (nint)plane,
                                Act = epilogue, Final = true,
                            };
                            MicroKernel.TileClipped<TOps, TVec>(panel, bRow + ox, (int*)po, k, Math.Min(mr, coutG - cb * mr), Math.Min(nr, wo - ox), o);
                        }
                    }
                }
        };
        if (g.Macs < (1 << 18)) for (int i = 0; i < items; i++) item(i);
        else Parallelism.For(items, item);
    }

    // w[Cout,Cin/g,Kh,Kw] -> [group][block][K][MR] (rows past Cout/g zero), in this thread's Weights workspace
    private static unsafe float* PackDirectWeights(float* w, in Conv2dGeometry g, int mr, int blocks, int k)
    {
        int coutG = g.OutChannelsPerGroup;
        float* wp = Workspace.Get(Workspace.Slot.Weights, (long)g.Groups * blocks * k * mr);
        for (int grp = 0; grp < g.Groups; grp++)
            for (int cb = 0; cb < blocks; cb++)
            {
                float* d = wp + ((long)grp * blocks + cb) * k * mr;
                for (int r = 0; r < mr; r++)
                {
                    int co = cb * mr + r;
                    float* src = w + ((long)grp * coutG + co) * k;
                    for (int kk = 0; kk < k; kk++) d[kk * mr + r] = co < coutG ? src[kk] : 0;
                }
            }
        return wp;
    }

    // Output rows per work item: the band's padded input (all channels) should stay well inside L2 (≤ 512 KiB of a core's
    // 1 MiB), and in parallel there should be at least 8 items per thread, so a thread that starts late does not leave the
    // other idle at the end (the halo rows filled twice cost ~1 % of the FMAs).
    private static int BandHeight(in Conv2dGeometry g, in PaddedLayout layout, bool parallel)
    {
        long rowBytes = layout.RowStride * sizeof(float);
        int band = 16;
        while (band > 1 && layout.BandRows(band) * rowBytes > 512 * 1024) band--;
        if (parallel)
            while (band > 1 && (long)g.Batch * ((g.OutHeight + band - 1) / band) < 8L * Parallelism.Threads) band--;
        return Math.Min(band, g.OutHeight);
    }
}
