using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FaceParse.Imaging.Jpeg;

/// <summary>Accurate integer inverse DCT: the Loeffler–Ligtenberg–Moschytz factorisation with 13-bit constants and
/// 2 extra bits between passes, the arithmetic of libjpeg's default "islow" method, so outputs agree with djpeg.</summary>
internal static class JpegIdct
{
    private const int ConstBits = 13;
    private const int Pass1Bits = 2;

    private static int Fix(double x) => (int)(x * (1 << ConstBits) + 0.5);

    private static readonly int F0298 = Fix(0.298631336), F0390 = Fix(0.390180644), F0541 = Fix(0.541196100),
        F0765 = Fix(0.765366865), F0899 = Fix(0.899976223), F1175 = Fix(1.175875602), F1501 = Fix(1.501321110),
        F1847 = Fix(1.847759065), F1961 = Fix(1.961570560), F2053 = Fix(2.053119869), F2562 = Fix(2.562915447),
        F3072 = Fix(3.072711026);

    /// <summary>coef: 64 quantised values (natural order) × quant (natural order) → 8x8 samples 0..255 at dst with the given stride.</summary>
    [SkipLocalsInit]
    public static void Transform(ReadOnlySpan<short> coef, ReadOnlySpan<ushort> quant, Span<byte> dst, int stride)
    {
        if (coef.Length < 64 || quant.Length < 64 || dst.Length < stride * 7 + 8) throw new ArgumentException("IDCT buffers too small.");
        Span<int> ws = stackalloc int[64];
        ref short c = ref MemoryMarshal.GetReference(coef);
        ref ushort q = ref MemoryMarshal.GetReference(quant);
        ref int w = ref MemoryMarshal.GetReference(ws);

        // Pass 1: columns, dequantised, results scaled up by 2^Pass1Bits.
        for (int col = 0; col < 8; col++)
        {
            ref short cc = ref Unsafe.Add(ref c, col);
            ref ushort qq = ref Unsafe.Add(ref q, col);
            ref int wc = ref Unsafe.Add(ref w, col);
            if (ColumnAcIsZero(ref cc))
            {
                int dc = cc * qq << Pass1Bits;
                for (int r = 0; r < 8; r++) Unsafe.Add(ref wc, r * 8) = dc;
                continue;
            }
            Butterfly(cc * qq, Unsafe.Add(ref cc, 8) * Unsafe.Add(ref qq, 8), Unsafe.Add(ref cc, 16) * Unsafe.Add(ref qq, 16),
                Unsafe.Add(ref cc, 24) * Unsafe.Add(ref qq, 24), Unsafe.Add(ref cc, 32) * Unsafe.Add(ref qq, 32),
                Unsafe.Add(ref cc, 40) * Unsafe.Add(ref qq, 40), Unsafe.Add(ref cc, 48) * Unsafe.Add(ref qq, 48),
                Unsafe.Add(ref cc, 56) * Unsafe.Add(ref qq, 56), ConstBits - Pass1Bits, ref wc, 8);
        }

        // Pass 2: rows, descaled by 2^(Pass1Bits+3), level-shifted by +128 and clamped.
        Span<int> row = stackalloc int[8];
        ref int o = ref MemoryMarshal.GetReference(row);
        ref byte d = ref MemoryMarshal.GetReference(dst);
        for (int r = 0; r < 8; r++)
        {
            ref int wr = ref Unsafe.Add(ref w, r * 8);
            ref byte dr = ref Unsafe.Add(ref d, r * stride);
            if ((Unsafe.Add(ref wr, 1) | Unsafe.Add(ref wr, 2) | Unsafe.Add(ref wr, 3) | Unsafe.Add(ref wr, 4)
                | Unsafe.Add(ref wr, 5) | Unsafe.Add(ref wr, 6) | Unsafe.Add(ref wr, 7)) == 0)
            {
                byte v = Clamp(((wr + (1 << (Pass1Bits + 2))) >> (Pass1Bits + 3)) + 128);
                Unsafe.InitBlockUnaligned(ref dr, v, 8);
                continue;
            }
            Butterfly(wr, Unsafe.Add(ref wr, 1), Unsafe.Add(ref wr, 2), Unsafe.Add(ref wr, 3), Unsafe.Add(ref wr, 4),
                Unsafe.Add(ref wr, 5), Unsafe.Add(ref wr, 6), Unsafe.Add(ref wr, 7), ConstBits + Pass1Bits + 3, ref o, 1);
            for (int i = 0; i < 8; i++) Unsafe.Add(ref dr, i) = Clamp(Unsafe.Add(ref o, i) + 128);
        }
    }

    /// <summary>One 8-point 1-D IDCT of x0..x7; writes the 8 results, rounded and shifted right by `shift`, at out[i·step].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Butterfly(int x0, int x1, int x2, int x3, int x4, int x5, int x6, int x7, int shift, ref int output, int step)
    {
        // Even part.
        int z1 = (x2 + x6) * F0541;
        int t2 = z1 - x6 * F1847;
        int t3 = z1 + x2 * F0765;
        int t0 = (x0 + x4) << ConstBits;
        int t1 = (x0 - x4) << ConstBits;
        int t10 = t0 + t3, t13 = t0 - t3, t11 = t1 + t2, t12 = t1 - t2;

        // Odd part.
        int za = x7 + x1, zb = x5 + x3, zc = x7 + x3, zd = x5 + x1;
        int z5 = (zc + zd) * F1175;
        int o0 = x7 * F0298, o1 = x5 * F2053, o2 = x3 * F3072, o3 = x1 * F1501;
        za *= -F0899;
        zb *= -F2562;
        zc = zc * -F1961 + z5;
        zd = zd * -F0390 + z5;
        o0 += za + zc;
        o1 += zb + zd;
        o2 += zb + zc;
        o3 += za + zd;

        int round = 1 << (shift - 1);
        Unsafe.Add(ref output, 0) = (t10 + o3 + round) >> shift;
        Unsafe.Add(ref output, 7 * step) = (t10 - o3 + round) >> shift;
        Unsafe.Add(ref output, 1 * step) = (t11 + o2 + round) >> shift;
        Unsafe.Add(ref output, 6 * step) = (t11 - o2 + round) >> shift;
        Unsafe.Add(ref output, 2 * step) = (t12 + o1 + round) >> shift;
        Unsafe.Add(ref output, 5 * step) = (t12 - o1 + round) >> shift;
        Unsafe.Add(ref output, 3 * step) = (t13 + o0 + round) >> shift;
        Unsafe.Add(ref output, 4 * step) = (t13 - o0 + round) >> shift;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool ColumnAcIsZero(ref short c) =>
        ((ushort)Unsafe.Add(ref c, 8) | (ushort)Unsafe.Add(ref c, 16) | (ushort)Unsafe.Add(ref c, 24) | (ushort)Unsafe.Add(ref c, 32)
        | (ushort)Unsafe.Add(ref c, 40) | (ushort)Unsafe.Add(ref c, 48) | (ushort)Unsafe.Add(ref c, 56)) == 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte Clamp(int v) => (uint)v <= 255 ? (byte)v : v < 0 ? (byte)0 : (byte)255;
}
