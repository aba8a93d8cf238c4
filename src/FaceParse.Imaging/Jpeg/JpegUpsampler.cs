using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ReadOnlySpan<byte> Row(int y)
    {
        var c = _c;
        int stride = c.PlaneStride, w = c.SampleWidth;
        if (_hx == 1 && _vy == 1) return c.Plane.AsSpan(y * stride, w);
        int sy = y / _vy;
        var near = c.Plane.AsSpan(sy * stride, w);
        if (_fancyH2 && _vy == 1) Triangle(near, default, vertical: false, _row);
        else if (_fancyH2 || _fancyV2)
        {
            // Upper output row of a pair blends with the row above, lower with the row below (clamped to the edges).
            bool lower = (y & 1) != 0;
            int fy = Math.Clamp(lower ? sy + 1 : sy - 1, 0, c.SampleHeight - 1);
            var far = c.Plane.AsSpan(fy * stride, w);
            if (_fancyH2) Triangle(near, far, vertical: true, _row);
            else H1V2(near, far, lower ? 2 : 1, _row);
        }
        else Replicate(near, _hx, _row);
        return _row;
    }

    /// <summary>Triangle filter doubling a row: column values c[i] = near[i] (h2v1) or 3·near[i] + far[i] (h2v2, vertical),
    /// then dst[2i] = (3c[i] + c[i−1] + b0) >> s and dst[2i+1] = (3c[i] + c[i+1] + b1) >> s, with (s, b0, b1) = (2, 1, 2)
    /// for h2v1 and (4, 8, 7) for h2v2; the edges replicate c. 16 inputs per step with SIMD, bit-identical to the scalar form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Triangle(ReadOnlySpan<byte> near, ReadOnlySpan<byte> far, bool vertical, Span<byte> dst)
    {
        int w = near.Length;
        if ((vertical && far.Length < w) || dst.Length < 2 * w) throw new ArgumentException("upsampling row too short");
        ref byte n = ref MemoryMarshal.GetReference(near);
        ref byte f = ref vertical ? ref MemoryMarshal.GetReference(far) : ref n;
        ref byte d = ref MemoryMarshal.GetReference(dst);
        var k = new TriangleKernel(vertical);
        TriangleScalar(ref n, ref f, ref d, w, 0, Math.Min(w, 1), k);
        int i = 1;
        if (Vector128.IsHardwareAccelerated && BitConverter.IsLittleEndian)
        {
            // Each 16-bit lane holds one output pair: even byte in the low half, odd byte in the high half (little-endian).
            for (; i + 17 <= w; i += 16)
            {
                var (prevLo, prevHi) = Columns(ref n, ref f, i - 1, vertical);
                var (curLo, curHi) = Columns(ref n, ref f, i, vertical);
                var (nextLo, nextHi) = Columns(ref n, ref f, i + 1, vertical);
                ref ushort o = ref Unsafe.As<byte, ushort>(ref Unsafe.Add(ref d, 2 * i));
                k.Pairs(prevLo, curLo, nextLo).StoreUnsafe(ref o);
                k.Pairs(prevHi, curHi, nextHi).StoreUnsafe(ref o, 8);
            }
        }
        TriangleScalar(ref n, ref f, ref d, w, i, w, k);
    }

    /// <summary>Shift and rounding biases of the h2v1 or h2v2 triangle filter.</summary>
    private readonly struct TriangleKernel(bool vertical)
    {
        public readonly bool Vertical = vertical;
        public readonly int Shift = vertical ? 4 : 2;
        public readonly int EvenBias = vertical ? 8 : 1;
        public readonly int OddBias = vertical ? 7 : 2;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector128<ushort> Pairs(Vector128<ushort> prev, Vector128<ushort> cur, Vector128<ushort> next)
        {
            var three = cur * 3;
            var even = Vector128.ShiftRightLogical(three + prev + Vector128.Create((ushort)EvenBias), Shift);
            var odd = Vector128.ShiftRightLogical(three + next + Vector128.Create((ushort)OddBias), Shift);
            return even | Vector128.ShiftLeft(odd, 8);
        }
    }

    /// <summary>Column values of inputs [i, i+16) widened to 16 bits: near, or 3·near + far (at most 1020).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector128<ushort> Lo, Vector128<ushort> Hi) Columns(ref byte n, ref byte f, int i, bool vertical)
    {
        var (nearLo, nearHi) = Vector128.Widen(Vector128.LoadUnsafe(ref n, (nuint)i));
        if (!vertical) return (nearLo, nearHi);
        var (farLo, farHi) = Vector128.Widen(Vector128.LoadUnsafe(ref f, (nuint)i));
        return (nearLo * 3 + farLo, nearHi * 3 + farHi);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TriangleScalar(ref byte n, ref byte f, ref byte d, int w, int from, int to, TriangleKernel k)
    {
        for (int i = from; i < to; i++)
        {
            int cur = Column(ref n, ref f, i, k), prev = Column(ref n, ref f, Math.Max(i - 1, 0), k);
            int next = Column(ref n, ref f, Math.Min(i + 1, w - 1), k);
            Unsafe.Add(ref d, 2 * i) = (byte)((3 * cur + prev + k.EvenBias) >> k.Shift);
            Unsafe.Add(ref d, 2 * i + 1) = (byte)((3 * cur + next + k.OddBias) >> k.Shift);
        }
    }

    private static int Column(ref byte n, ref byte f, int i, TriangleKernel k) =>
        k.Vertical ? 3 * Unsafe.Add(ref n, i) + Unsafe.Add(ref f, i) : Unsafe.Add(ref n, i);

    /// <summary>near/far rows [0..w) → dst[0..w): (3·near + far + bias) >> 2, bias 1 for the upper and 2 for the lower row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void H1V2(ReadOnlySpan<byte> near, ReadOnlySpan<byte> far, int bias, Span<byte> dst)
    {
        int w = near.Length, i = 0;
        if (far.Length < w || dst.Length < w) throw new ArgumentException("upsampling row too short");
        if (Vector128.IsHardwareAccelerated)
        {
            ref byte n = ref MemoryMarshal.GetReference(near), f = ref MemoryMarshal.GetReference(far), d = ref MemoryMarshal.GetReference(dst);
            var b = Vector128.Create((ushort)bias);
            for (; i + 16 <= w; i += 16)
            {
                var (nearLo, nearHi) = Vector128.Widen(Vector128.LoadUnsafe(ref n, (nuint)i));
                var (farLo, farHi) = Vector128.Widen(Vector128.LoadUnsafe(ref f, (nuint)i));
                var lo = Vector128.ShiftRightLogical(nearLo * 3 + farLo + b, 2);
                var hi = Vector128.ShiftRightLogical(nearHi * 3 + farHi + b, 2);
                Vector128.Narrow(lo, hi).StoreUnsafe(ref d, (nuint)i);
            }
        }
        for (; i < w; i++) dst[i] = (byte)((3 * near[i] + far[i] + bias) >> 2);
    }

    /// <summary>src[0..w) → dst[0..w·hx): each sample repeated hx times.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Replicate(ReadOnlySpan<byte> src, int hx, Span<byte> dst)
    {
        if (hx == 1) { src.CopyTo(dst); return; }
        for (int i = 0, o = 0; i < src.Length; i++, o += hx) dst.Slice(o, hx).Fill(src[i]);
    }
}
