using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FaceParse.Imaging.Jpeg;

/// <summary>Chroma upsampling to full resolution, one output row at a time: libjpeg's triangle ("fancy") filters for
/// 2x1, 2x2 and 1x2 ratios (edges replicated), plain replication for every other integer ratio or when disabled.</summary>
internal sealed class JpegUpsampler
{
    private readonly JpegComponent _c;
    private readonly int _hx, _vy;
    private readonly bool _fancyH2, _fancyV2;
    private readonly byte[] _row;

    public JpegUpsampler(JpegFrame f, JpegComponent c, bool fancy)
    {
        _c = c;
        _hx = f.MaxH / c.H;
        _vy = f.MaxV / c.V;
        // libjpeg: h2v1/h2v2 triangle filters need more than 2 input columns; h1v2 has no such condition.
        _fancyH2 = fancy && _hx == 2 && (_vy == 1 || _vy == 2) && c.SampleWidth > 2;
        _fancyV2 = fancy && _hx == 1 && _vy == 2;
        _row = new byte[c.SampleWidth * _hx + 8];
    }

    /// <summary>Row y (0..Height−1) of this component upsampled to at least Width samples.</summary>
    public ReadOnlySpan<byte> Row(int y)
    {
        var c = _c;
        int stride = c.PlaneStride, w = c.SampleWidth;
        if (_hx == 1 && _vy == 1) return c.Plane.AsSpan(y * stride, w);
        int sy = y / _vy;
        var near = c.Plane.AsSpan(sy * stride, w);
        if (_fancyH2 && _vy == 1) H2V1(near, _row);
        else if (_fancyH2 || _fancyV2)
        {
            // Upper output row of a pair blends with the row above, lower with the row below (clamped to the edges).
            bool lower = (y & 1) != 0;
            int fy = Math.Clamp(lower ? sy + 1 : sy - 1, 0, c.SampleHeight - 1);
            var far = c.Plane.AsSpan(fy * stride, w);
            if (_fancyH2) H2V2(near, far, _row);
            else H1V2(near, far, lower ? 2 : 1, _row);
        }
        else Replicate(near, _hx, _row);
        return _row;
    }

    /// <summary>src[0..w) → dst[0..2w): dst[2i] = (3s[i] + s[i−1] + 1) >> 2, dst[2i+1] = (3s[i] + s[i+1] + 2) >> 2.</summary>
    private static void H2V1(ReadOnlySpan<byte> src, Span<byte> dst)
    {
        int w = src.Length;
        if (dst.Length < 2 * w) throw new ArgumentException("upsampling row too short");
        ref byte s = ref MemoryMarshal.GetReference(src);
        ref byte d = ref MemoryMarshal.GetReference(dst);
        int prev = s, cur = s;
        for (int i = 0; i < w; i++)
        {
            int next = i + 1 < w ? Unsafe.Add(ref s, i + 1) : cur;
            Unsafe.Add(ref d, 2 * i) = (byte)((3 * cur + prev + 1) >> 2);
            Unsafe.Add(ref d, 2 * i + 1) = (byte)((3 * cur + next + 2) >> 2);
            prev = cur;
            cur = next;
        }
    }

    /// <summary>near/far rows [0..w) → dst[0..2w): column sums 3·near + far, then (3·sum + neighbour sum + 8 or 7) >> 4.</summary>
    private static void H2V2(ReadOnlySpan<byte> near, ReadOnlySpan<byte> far, Span<byte> dst)
    {
        int w = near.Length;
        if (far.Length < w || dst.Length < 2 * w) throw new ArgumentException("upsampling row too short");
        ref byte n = ref MemoryMarshal.GetReference(near);
        ref byte f = ref MemoryMarshal.GetReference(far);
        ref byte d = ref MemoryMarshal.GetReference(dst);
        int cur = 3 * n + f, prev = cur;
        for (int i = 0; i < w; i++)
        {
            int next = i + 1 < w ? 3 * Unsafe.Add(ref n, i + 1) + Unsafe.Add(ref f, i + 1) : cur;
            Unsafe.Add(ref d, 2 * i) = (byte)((3 * cur + prev + 8) >> 4);
            Unsafe.Add(ref d, 2 * i + 1) = (byte)((3 * cur + next + 7) >> 4);
            prev = cur;
            cur = next;
        }
    }

    /// <summary>near/far rows [0..w) → dst[0..w): (3·near + far + bias) >> 2, bias 1 for the upper and 2 for the lower row.</summary>
    private static void H1V2(ReadOnlySpan<byte> near, ReadOnlySpan<byte> far, int bias, Span<byte> dst)
    {
        for (int i = 0; i < near.Length; i++) dst[i] = (byte)((3 * near[i] + far[i] + bias) >> 2);
    }

    /// <summary>src[0..w) → dst[0..w·hx): each sample repeated hx times.</summary>
    private static void Replicate(ReadOnlySpan<byte> src, int hx, Span<byte> dst)
    {
        if (hx == 1) { src.CopyTo(dst); return; }
        for (int i = 0, o = 0; i < src.Length; i++, o += hx) dst.Slice(o, hx).Fill(src[i]);
    }
}
