using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using FaceParse.Tensors.Runtime;

namespace FaceParse.Tensors.Kernels;

/// <summary>
/// Layout of a zero-padded copy of x whose columns are split into stride phases: padded column j·Sw + q of a row goes
/// to phase q, index j. Then output column ox of kernel tap kx reads index ox + (kx·dilation)/Sw of phase
/// (kx·dilation) mod Sw, so every tap is a contiguous, output-aligned vector load for any stride.
/// Planar = [C][Sw][Hp][Wq] (one channel's plane is contiguous; the depthwise kernel pads plane by plane).
/// Interleaved = [rows][C][Sw][Wq] (one padded row of every channel is contiguous): the rows a band of output rows reads
/// from all channels form one short contiguous block instead of C scattered planes, so the direct kernel's tile walks
/// through a few sequential pages (TLB- and prefetch-friendly) rather than one page per channel; the direct kernel
/// fills only such a band per work item, just before use, so the padded copy never leaves L2.
/// </summary>
internal readonly struct PaddedLayout
{
    public readonly int Hp, Wq;
    public readonly long PhaseStride, ChannelStride, RowStride;
    private readonly Conv2dGeometry _g;

    public PaddedLayout(in Conv2dGeometry g, bool interleaved)
    {
        _g = g;
        Hp = g.InHeight + 2 * g.PadHeight;
        Wq = (g.InWidth + 2 * g.PadWidth + g.StrideWidth - 1) / g.StrideWidth;
        if (interleaved)
        {
            PhaseStride = Wq;
            ChannelStride = PhaseStride * g.StrideWidth;
            RowStride = ChannelStride * g.InChannels;
        }
        else
        {
            RowStride = Wq;
            PhaseStride = (long)Hp * Wq;
            ChannelStride = PhaseStride * g.StrideWidth;
        }
    }

    public long Tail => 2 * Wq + 64;

    /// <summary>Offset of tap (ci, ky, kx) from the window origin of an output pixel.</summary>
    public long TapOffset(int ci, int ky, int kx)
    {
        int col = kx * _g.DilationWidth;
        return ci * ChannelStride + col % _g.StrideWidth * PhaseStride + (long)ky * _g.DilationHeight * RowStride + col / _g.StrideWidth;
    }

    /// <summary>Offset of output row oy's window origin within a channel.</summary>
    public long RowOffset(int oy) => (long)oy * _g.StrideHeight * RowStride;

    /// <summary>Padded rows an output band of <paramref name="outRows"/> rows reads.</summary>
    public int BandRows(int outRows) => (outRows - 1) * _g.StrideHeight + (_g.KernelHeight - 1) * _g.DilationHeight + 1;

    /// <summary>Padded rows [r0, r0 + count) of every channel of one image, x[C,H,W] -> dst (row r0 at dst), with the zeroed
    /// tail after them that over-long vector reads may touch.</summary>
    public unsafe void FillRows(float* x, int r0, int count, float* dst)
    {
        long planeSize = (long)_g.InHeight * _g.InWidth;
        for (int c = 0; c < _g.InChannels; c++) FillPlane(x + c * planeSize, dst + c * ChannelStride, r0, count);
        new Span<float>(dst + count * RowStride, (int)Tail).Clear();
    }

    // x plane [H, W] -> padded rows [r0, r0 + count) of dst[Sw][rows][Wq], phase-split, rows RowStride apart (row r0 at dst)
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public unsafe void FillPlane(float* src, float* dst, int r0 = 0, int count = -1)
    {
        if (count < 0) count = Hp - r0;
        if (_g.StrideWidth == 2 && CpuFeatures.Active == SimdLevel.Avx512)
        {
            FillPlaneStride2(src, dst, r0, count);
            return;
        }
        int h = _g.InHeight, w = _g.InWidth, ph = _g.PadHeight, pw = _g.PadWidth, sw = _g.StrideWidth;
        for (int q = 0; q < sw; q++)
        {
            float* phase = dst + q * PhaseStride;
            for (int r = r0; r < r0 + count; r++)
            {
                float* d = phase + (r - r0) * RowStride;
                int iy = r - ph;
                if ((uint)iy >= (uint)h)
                {
                    new Span<float>(d, Wq).Clear();
                    continue;
                }
                float* s = src + (long)iy * w;
                if (sw == 1)
                {
                    new Span<float>(d, pw).Clear();
                    Buffer.MemoryCopy(s, d + pw, w * sizeof(float), w * sizeof(float));
                    new Span<float>(d + pw + w, Wq - pw - w).Clear();
                    continue;
                }
                for (int j = 0; j < Wq; j++)
                {
                    int ix = j * sw + q - pw;
                    d[j] = (uint)ix < (uint)w ? s[ix] : 0;
                }
            }
        }
    }

    // As FillPlane for Sw = 2 on AVX-512: both phases of a row in one pass, 32 padded columns (two vectors) per step.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe void FillPlaneStride2(float* src, float* dst, int r0, int count)
    {
        int h = _g.InHeight, w = _g.InWidth, ph = _g.PadHeight, pw = _g.PadWidth;
        var evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        var odds = Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
        for (int r = r0; r < r0 + count; r++)
        {
            float* even = dst + (r - r0) * RowStride, odd = even + PhaseStride;
            int iy = r - ph;
            if ((uint)iy >= (uint)h)
            {
                new Span<float>(even, Wq).Clear();
                new Span<float>(odd, Wq).Clear();
                continue;
            }
            float* s = src + (long)iy * w;
            int j = 0;
            for (; j < Wq && 2 * j < pw; j++) (even[j], odd[j]) = (At(s, 2 * j - pw, w), At(s, 2 * j + 1 - pw, w));
            for (; j + 16 <= Wq && 2 * j - pw + 32 <= w; j += 16)
            {
                Vector512<float> a = Vector512.Load(s + 2 * j - pw), b = Vector512.Load(s + 2 * j - pw + 16);
                Avx512F.PermuteVar16x32x2(a, evens, b).Store(even + j);
                Avx512F.PermuteVar16x32x2(a, odds, b).Store(odd + j);
            }
            for (; j < Wq; j++) (even[j], odd[j]) = (At(s, 2 * j - pw, w), At(s, 2 * j + 1 - pw, w));
        }
    }

    private static unsafe float At(float* row, int i, int width) => (uint)i < (uint)width ? row[i] : 0f;
}
