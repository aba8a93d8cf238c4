using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FaceParse.Tensors.Kernels;

// The input and output transforms of Winograd F(2×2, 3×3), 16 neighbouring tiles per Vector512 (see Conv2d.Winograd.cs).
public static partial class Conv2d
{
    // band [2·rows+2][Cin][2][Wq] (padded, even/odd columns) -> v[16][Cin][tb]: V = Bᵀ d B, tile t = ty·tilesWp + tx
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void WinogradInput(float* band, in PaddedLayout layout, int cin, int rows, int tilesWp, int tb, float* v)
    {
        long xiStride = (long)cin * tb, phase = layout.PhaseStride;
        var q = new Rows16();
        for (int c = 0; c < cin; c++)
            for (int ty = 0; ty < rows; ty++)
                for (int tx = 0; tx < tilesWp; tx += WinogradGroup)
                {
                    float* src = band + 2L * ty * layout.RowStride + c * layout.ChannelStride + tx;
                    for (int r = 0; r < 4; r++) // d B on row r: columns j = even[tx], odd[tx], even[tx+1], odd[tx+1]
                    {
                        float* p = src + r * layout.RowStride;
                        Vector512<float> d0 = Vector512.Load(p), d1 = Vector512.Load(p + phase), d2 = Vector512.Load(p + 1), d3 = Vector512.Load(p + phase + 1);
                        q[4 * r] = d0 - d2;
                        q[4 * r + 1] = d1 + d2;
                        q[4 * r + 2] = d2 - d1;
                        q[4 * r + 3] = d1 - d3;
                    }
                    float* dst = v + (long)c * tb + ty * tilesWp + tx;
                    for (int j = 0; j < 4; j++) // Bᵀ (d B): ξ = 4·i + j
                    {
                        (q[j] - q[8 + j]).Store(dst + j * xiStride);
                        (q[4 + j] + q[8 + j]).Store(dst + (4 + j) * xiStride);
                        (q[8 + j] - q[4 + j]).Store(dst + (8 + j) * xiStride);
                        (q[4 + j] - q[12 + j]).Store(dst + (12 + j) * xiStride);
                    }
                }
    }

    // m[16][8][tb] (rows < count valid) -> output rows 2·ty0 .. of those channels at o.C (channel stride o.Ldc):
    // Y = Aᵀ M A per tile, then bias, residual and activation over the band's rows
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void WinogradOutput(float* m, int tb, int count, int ty0, int rows, int tilesWp, int ho, int wo, in TileOut o)
    {
        var lo = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        var hi = Vector512.Create(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        float* spill = stackalloc float[2 * WinogradGroup];
        long xiStride = (long)WinogradMr * tb;
        int tilesW = (wo + 1) / 2, y0 = 2 * ty0, y1 = Math.Min(ho, 2 * (ty0 + rows));
        for (int r = 0; r < count; r++)
        {
            float* plane = o.C + r * o.Ldc;
            for (int ty = 0; ty < rows; ty++)
                for (int tx = 0; tx < tilesW; tx += WinogradGroup)
                {
                    float* s = m + (long)r * tb + ty * tilesWp + tx;
                    // Aᵀ M: t0j = M0j + M1j + M2j, t1j = M1j − M2j − M3j
                    Vector512<float> a0 = Load(s, 0, xiStride), a1 = Load(s, 1, xiStride), a2 = Load(s, 2, xiStride), a3 = Load(s, 3, xiStride);
                    Vector512<float> b0 = Load(s, 4, xiStride), b1 = Load(s, 5, xiStride), b2 = Load(s, 6, xiStride), b3 = Load(s, 7, xiStride);
                    Vector512<float> c0 = Load(s, 8, xiStride), c1 = Load(s, 9, xiStride), c2 = Load(s, 10, xiStride), c3 = Load(s, 11, xiStride);
                    Vector512<float> e0 = Load(s, 12, xiStride), e1 = Load(s, 13, xiStride), e2 = Load(s, 14, xiStride), e3 = Load(s, 15, xiStride);
                    Vector512<float> t00 = a0 + b0 + c0, t01 = a1 + b1 + c1, t02 = a2 + b2 + c2, t03 = a3 + b3 + c3;
                    Vector512<float> t10 = b0 - c0 - e0, t11 = b1 - c1 - e1, t12 = b2 - c2 - e2, t13 = b3 - c3 - e3;
                    // (Aᵀ M) A: y·0 = t·0 + t·1 + t·2, y·1 = t·1 − t·2 − t·3; columns interleave into the output row
                    int oy = 2 * (ty0 + ty), ox = 2 * tx, n = Math.Min(2 * WinogradGroup, wo - ox);
                    StoreInterleaved(t00 + t01 + t02, t01 - t02 - t03, lo, hi, plane + (long)oy * wo + ox, n, spill);
                    if (oy + 1 < ho) StoreInterleaved(t10 + t11 + t12, t11 - t12 - t13, lo, hi, plane + (long)(oy + 1) * wo + ox, n, spill);
                }
            float bias = o.Bias == null ? 0f : o.Bias[r];
            if (bias != 0f || o.Residual != null || o.Act != Epilogue.None)
                MicroKernel.EpilogueSpan<Ops512, Vector512<float>>(plane + (long)y0 * wo, o.Residual == null ? null : o.Residual + r * o.Ldr + (long)y0 * wo,
                    (y1 - y0) * wo, bias, o.Act);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<float> Load(float* s, int xi, long xiStride) => Vector512.Load(s + xi * xiStride);

    // even[0..16), odd[0..16) -> dst[0..n) = even0, odd0, even1, odd1, … (n ≤ 32; a short tail goes through spill)
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreInterleaved(Vector512<float> even, Vector512<float> odd, Vector512<int> lo, Vector512<int> hi, float* dst, int n, float* spill)
    {
        Vector512<float> first = Avx512F.PermuteVar16x32x2(even, lo, odd), second = Avx512F.PermuteVar16x32x2(even, hi, odd);
        if (n == 2 * WinogradGroup)
        {
            first.Store(dst);
            second.Store(dst + WinogradGroup);
            return;
        }
        first.Store(spill);
        second.Store(spill + WinogradGroup);
        new ReadOnlySpan<float>(spill, n).CopyTo(new Span<float>(dst, n));
    }

    [InlineArray(16)]
    private struct Rows16
    {
        private Vector512<float> _element;
    }
}
