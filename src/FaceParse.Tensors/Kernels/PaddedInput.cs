using FaceParse.Tensors.Runtime;

namespace FaceParse.Tensors.Kernels;

/// <summary>
/// Layout of a zero-padded copy of x whose columns are split into stride phases: padded column j·Sw + q of a row goes
/// to phase q, index j. Then output column ox of kernel tap kx reads index ox + (kx·dilation)/Sw of phase
/// (kx·dilation) mod Sw, so every tap is a contiguous, output-aligned vector load for any stride.
/// Planar = [N][C][Sw][Hp][Wq] (one channel's plane is contiguous; the depthwise kernel pads plane by plane).
/// Interleaved = [N][Hp][C][Sw][Wq] (one padded row of every channel is contiguous): the rows one output row reads from all
/// channels then form one short contiguous band instead of C scattered planes, so the direct kernel's tile walks through
/// a few sequential pages (TLB- and prefetch-friendly) rather than one page per channel.
/// </summary>
internal readonly struct PaddedLayout
{
    public readonly int Hp, Wq;
    public readonly long PhaseStride, ChannelStride, RowStride, ImageStride;
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
            ImageStride = RowStride * Hp;
        }
        else
        {
            RowStride = Wq;
            PhaseStride = (long)Hp * Wq;
            ChannelStride = PhaseStride * g.StrideWidth;
            ImageStride = ChannelStride * g.InChannels;
        }
    }

    /// <summary>Floats in the copy of all N·Cin planes plus a zeroed tail that over-long vector reads may touch.</summary>
    public long Size => ImageStride * _g.Batch + Tail;
    public long Tail => 2 * Wq + 64;

    /// <summary>Offset of tap (ci, ky, kx) from the window origin of an output pixel.</summary>
    public long TapOffset(int ci, int ky, int kx)
    {
        int col = kx * _g.DilationWidth;
        return ci * ChannelStride + col % _g.StrideWidth * PhaseStride + (long)ky * _g.DilationHeight * RowStride + col / _g.StrideWidth;
    }

    /// <summary>Offset of output row oy's window origin within a channel.</summary>
    public long RowOffset(int oy) => (long)oy * _g.StrideHeight * RowStride;

    /// <summary>Offset of channel <paramref name="c"/> of image <paramref name="n"/>.</summary>
    public long PlaneOffset(int n, int c) => n * ImageStride + c * ChannelStride;

    // x[N,C,H,W] -> dst in this layout, padded and phase-split (Input workspace of the calling thread)
    public unsafe float* Fill(float* x)
    {
        float* dst = Workspace.Get(Workspace.Slot.Input, Size);
        new Span<float>(dst + Size - Tail, (int)Tail).Clear();
        var self = this;
        nint px = (nint)x, pd = (nint)dst;
        int planes = _g.Batch * _g.InChannels;
        int chunks = planes * _g.InHeight * _g.InWidth < 16384 ? 1 : Math.Min(Parallelism.Threads, planes);
        Parallelism.For(chunks, t =>
        {
            for (int c = planes * t / chunks; c < planes * (t + 1) / chunks; c++)
                self.FillPlane((float*)px + (long)c * self._g.InHeight * self._g.InWidth, (float*)pd + self.PlaneOffset(c / self._g.InChannels, c % self._g.InChannels));
        });
        return dst;
    }

    // x plane [H, W] -> dst[Sw][Hp][Wq] padded and phase-split, rows RowStride apart
    public unsafe void FillPlane(float* src, float* dst)
    {
        int h = _g.InHeight, w = _g.InWidth, ph = _g.PadHeight, pw = _g.PadWidth, sw = _g.StrideWidth;
        for (int q = 0; q < sw; q++)
        {
            float* phase = dst + q * PhaseStride;
            for (int r = 0; r < Hp; r++)
            {
                float* d = phase + r * RowStride;
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
