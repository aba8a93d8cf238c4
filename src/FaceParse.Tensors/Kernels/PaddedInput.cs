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
    public unsafe void FillPlane(float* src, float* dst, int r0 = 0, int count = -1)
    {
        if (count < 0) count = Hp - r0;
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
}
