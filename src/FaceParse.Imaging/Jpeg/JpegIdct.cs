using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FaceParse.Imaging.Jpeg;

/// <summary>Accurate integer inverse DCT: the Loeffler–Ligtenberg–Moschytz factorisation with 13-bit constants and
/// 2 extra bits between passes, the arithmetic of libjpeg's default "islow" method, so outputs agree with djpeg.
/// Both passes run on 8 lanes at once (Vector256&lt;int&gt;), with an 8x8 transpose between them.</summary>
internal static class JpegIdct
{
    private const int ConstBits = 13;
    private const int Pass1Bits = 2;

    // FIX(x) = round(x · 2^13) of the LLM rotation constants.
    private const int F0298 = 2446, F0390 = 3196, F0541 = 4433, F0765 = 6270, F0899 = 7373, F1175 = 9633, F1501 = 12299,
        F1847 = 15137, F1961 = 16069, F2053 = 16819, F2562 = 20995, F3072 = 25172;

    /// <summary>coef: 64 quantised values (natural order) × quant (natural order) → 8x8 samples 0..255 at dst with the given stride.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Transform(ReadOnlySpan<short> coef, ReadOnlySpan<ushort> quant, Span<byte> dst, int stride)
    {
        if (coef.Length < 64 || quant.Length < 64 || dst.Length < stride * 7 + 8) throw new ArgumentException("IDCT buffers too small.");
        ref short c = ref MemoryMarshal.GetReference(coef);
        ref ushort q = ref MemoryMarshal.GetReference(quant);

        // Pass 1 on columns: vector i holds row i of the dequantised block (lanes = columns).
        Vector256<int> r0 = Load(ref c, ref q, 0), r1 = Load(ref c, ref q, 1), r2 = Load(ref c, ref q, 2), r3 = Load(ref c, ref q, 3),
            r4 = Load(ref c, ref q, 4), r5 = Load(ref c, ref q, 5), r6 = Load(ref c, ref q, 6), r7 = Load(ref c, ref q, 7);
        Butterfly(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7, ConstBits - Pass1Bits);

        // Pass 2 on rows: after the transpose vector i holds column i (lanes = rows).
        Transpose(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
        Butterfly(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7, ConstBits + Pass1Bits + 3);
        Transpose(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);

        // Level shift, clamp to 0..255, narrow to bytes: rows 0..3 then 4..7, 8 bytes per row.
        var center = Vector256.Create(128);
        Vector256<byte> top = Narrow(r0 + center, r1 + center, r2 + center, r3 + center);
        Vector256<byte> bottom = Narrow(r4 + center, r5 + center, r6 + center, r7 + center);
        ref byte d = ref MemoryMarshal.GetReference(dst);
        for (int i = 0; i < 4; i++)
        {
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, i * stride), top.AsUInt64().GetElement(i));
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, (i + 4) * stride), bottom.AsUInt64().GetElement(i));
        }
    }

    /// <summary>Blocks whose AC coefficients are all zero: every sample is clamp(((dc·q + 4) >> 3) + 128), as islow gives.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void TransformDcOnly(int dc, int quant, Span<byte> dst, int stride)
    {
        int v = ((dc * quant + 4) >> 3) + 128;
        byte b = (uint)v <= 255 ? (byte)v : v < 0 ? (byte)0 : (byte)255;
        for (int r = 0; r < 8; r++) dst.Slice(r * stride, 8).Fill(b);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Load(ref short c, ref ushort q, int row)
    {
        var coef = Vector128.LoadUnsafe(ref c, (nuint)(row * 8));
        var quant = Vector128.LoadUnsafe(ref q, (nuint)(row * 8));
        var (cLo, cHi) = Vector128.Widen(coef);
        var (qLo, qHi) = Vector128.Widen(quant);
        return Vector256.Create(cLo, cHi) * Vector256.Create(qLo, qHi).AsInt32();
    }

    /// <summary>Eight-point 1-D IDCT on 8 lanes: inputs x0..x7 in place become outputs 0..7, rounded and shifted right by `shift`.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Butterfly(ref Vector256<int> x0, ref Vector256<int> x1, ref Vector256<int> x2, ref Vector256<int> x3,
        ref Vector256<int> x4, ref Vector256<int> x5, ref Vector256<int> x6, ref Vector256<int> x7, int shift)
    {
        // Even part.
        var z1 = (x2 + x6) * F0541;
        var t2 = z1 - x6 * F1847;
        var t3 = z1 + x2 * F0765;
        var t0 = (x0 + x4) << ConstBits;
        var t1 = (x0 - x4) << ConstBits;
        var round = Vector256.Create(1 << (shift - 1));
        Vector256<int> t10 = t0 + t3 + round, t13 = t0 - t3 + round, t11 = t1 + t2 + round, t12 = t1 - t2 + round;

        // Odd part.
        Vector256<int> za = x7 + x1, zb = x5 + x3, zc = x7 + x3, zd = x5 + x1;
        var z5 = (zc + zd) * F1175;
        Vector256<int> o0 = x7 * F0298, o1 = x5 * F2053, o2 = x3 * F3072, o3 = x1 * F1501;
        za *= -F0899;
        zb *= -F2562;
        zc = zc * -F1961 + z5;
        zd = zd * -F0390 + z5;
        o0 += za + zc;
        o1 += zb + zd;
        o2 += zb + zc;
        o3 += za + zd;

        x0 = (t10 + o3) >> shift;
        x7 = (t10 - o3) >> shift;
        x1 = (t11 + o2) >> shift;
        x6 = (t11 - o2) >> shift;
        x2 = (t12 + o1) >> shift;
        x5 = (t12 - o1) >> shift;
        x3 = (t13 + o0) >> shift;
        x4 = (t13 - o0) >> shift;
    }

    /// <summary>Transposes the 8x8 matrix whose rows are r0..r7.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose(ref Vector256<int> r0, ref Vector256<int> r1, ref Vector256<int> r2, ref Vector256<int> r3,
        ref Vector256<int> r4, ref Vector256<int> r5, ref Vector256<int> r6, ref Vector256<int> r7)
    {
        if (Avx2.IsSupported)
        {
            var t0 = Avx2.UnpackLow(r0, r1).AsInt64(); var t1 = Avx2.UnpackHigh(r0, r1).AsInt64();
            var t2 = Avx2.UnpackLow(r2, r3).AsInt64(); var t3 = Avx2.UnpackHigh(r2, r3).AsInt64();
            var t4 = Avx2.UnpackLow(r4, r5).AsInt64(); var t5 = Avx2.UnpackHigh(r4, r5).AsInt64();
            var t6 = Avx2.UnpackLow(r6, r7).AsInt64(); var t7 = Avx2.UnpackHigh(r6, r7).AsInt64();
            var u0 = Avx2.UnpackLow(t0, t2).AsInt32(); var u1 = Avx2.UnpackHigh(t0, t2).AsInt32();
            var u2 = Avx2.UnpackLow(t1, t3).AsInt32(); var u3 = Avx2.UnpackHigh(t1, t3).AsInt32();
            var u4 = Avx2.UnpackLow(t4, t6).AsInt32(); var u5 = Avx2.UnpackHigh(t4, t6).AsInt32();
            var u6 = Avx2.UnpackLow(t5, t7).AsInt32(); var u7 = Avx2.UnpackHigh(t5, t7).AsInt32();
            r0 = Avx2.Permute2x128(u0, u4, 0x20); r4 = Avx2.Permute2x128(u0, u4, 0x31);
            r1 = Avx2.Permute2x128(u1, u5, 0x20); r5 = Avx2.Permute2x128(u1, u5, 0x31);
            r2 = Avx2.Permute2x128(u2, u6, 0x20); r6 = Avx2.Permute2x128(u2, u6, 0x31);
            r3 = Avx2.Permute2x128(u3, u7, 0x20); r7 = Avx2.Permute2x128(u3, u7, 0x31);
            return;
        }
        Span<int> m = stackalloc int[64];
        r0.CopyTo(m); r1.CopyTo(m[8..]); r2.CopyTo(m[16..]); r3.CopyTo(m[24..]);
        r4.CopyTo(m[32..]); r5.CopyTo(m[40..]); r6.CopyTo(m[48..]); r7.CopyTo(m[56..]);
        Span<int> t = stackalloc int[64];
        for (int i = 0; i < 64; i++) t[i] = m[(i & 7) * 8 + (i >> 3)];
        r0 = Vector256.Create<int>(t); r1 = Vector256.Create<int>(t[8..]); r2 = Vector256.Create<int>(t[16..]); r3 = Vector256.Create<int>(t[24..]);
        r4 = Vector256.Create<int>(t[32..]); r5 = Vector256.Create<int>(t[40..]); r6 = Vector256.Create<int>(t[48..]); r7 = Vector256.Create<int>(t[56..]);
    }

    /// <summary>Four rows of 8 ints → 32 bytes (row-major), each clamped to 0..255.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> Narrow(Vector256<int> a, Vector256<int> b, Vector256<int> c, Vector256<int> d)
    {
        var lo = Vector256<int>.Zero;
        var hi = Vector256.Create(255);
        var ab = Vector256.Narrow(Vector256.Min(Vector256.Max(a, lo), hi), Vector256.Min(Vector256.Max(b, lo), hi));
        var cd = Vector256.Narrow(Vector256.Min(Vector256.Max(c, lo), hi), Vector256.Min(Vector256.Max(d, lo), hi));
        return Vector256.Narrow(ab.AsUInt16(), cd.AsUInt16());
    }
}
