using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FaceParse.Imaging.Jpeg;

/// <summary>Colour conversion of full-resolution component rows to gray/RGB bytes, with libjpeg's fixed-point
/// JFIF YCbCr→RGB tables (16 fractional bits) and its CMYK→RGB rule R = round(C·K/255) on Adobe-inverted CMYK.</summary>
internal static class JpegColorConverter
{
    private static readonly int[] CrToR = new int[256], CbToB = new int[256], CrToG = new int[256], CbToG = new int[256];

    static JpegColorConverter()
    {
        static int Fix(double x) => (int)(x * 65536 + 0.5);
        for (int i = 0; i < 256; i++)
        {
            int x = i - 128;
            CrToR[i] = (Fix(1.40200) * x + 32768) >> 16;
            CbToB[i] = (Fix(1.77200) * x + 32768) >> 16;
            CrToG[i] = -Fix(0.71414) * x;
            CbToG[i] = -Fix(0.34414) * x + 32768;
        }
    }

    /// <summary>Builds the output image from the component planes: 1 channel for gray, 3 (RGB) for everything else.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Image Render(JpegFrame f, JpegColorSpace space, bool fancy)
    {
        int w = f.Width, h = f.Height;
        var ups = Array.ConvertAll(f.Components, c => new JpegUpsampler(f, c, fancy));
        int channels = space == JpegColorSpace.Gray ? 1 : 3;
        var image = new Image(w, h, channels, GC.AllocateUninitializedArray<byte>(w * h * channels)); // every byte is written below
        for (int y = 0; y < h; y++)
        {
            var dst = image.Row(y);
            var c0 = ups[0].Row(y)[..w];
            if (space == JpegColorSpace.Gray) { c0.CopyTo(dst); continue; }
            var c1 = ups[1].Row(y)[..w];
            var c2 = ups[2].Row(y)[..w];
            switch (space)
            {
                case JpegColorSpace.YCbCr: YccToRgb(c0, c1, c2, dst); break;
                case JpegColorSpace.Rgb: Interleave(c0, c1, c2, dst); break;
                default: CmykToRgb(c0, c1, c2, ups[3].Row(y)[..w], space == JpegColorSpace.Ycck, dst); break;
            }
        }
        return image;
    }

    /// <summary>Y, Cb, Cr rows [0..w) → RGB triples; R = Y + Cr·1.402, G = Y − Cb·0.34414 − Cr·0.71414, B = Y + Cb·1.772
    /// (same fixed-point rounding as the tables); 8 pixels per step with AVX2, the rest through the tables.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void YccToRgb(ReadOnlySpan<byte> y, ReadOnlySpan<byte> cb, ReadOnlySpan<byte> cr, Span<byte> rgb)
    {
        int w = y.Length, i = 0;
        if (w > cb.Length || w > cr.Length || rgb.Length < 3 * w) throw new ArgumentException("row lengths differ");
        if (Avx2.IsSupported)
        {
            ref byte py = ref MemoryMarshal.GetReference(y), pb = ref MemoryMarshal.GetReference(cb), pr = ref MemoryMarshal.GetReference(cr);
            ref byte po = ref MemoryMarshal.GetReference(rgb);
            var half = Vector256.Create(32768);
            var bias = Vector256.Create(128);
            var max = Vector256.Create(255);
            var pack = Vector256.Create((byte)0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 128, 128, 128, 128,
                0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 128, 128, 128, 128);
            // Each step stores 28 bytes (24 used), so stop while 4 spare bytes remain in the row.
            for (; i + 8 <= w && 3 * i + 28 <= rgb.Length; i += 8)
            {
                var l = Load8(ref Unsafe.Add(ref py, i));
                var u = Load8(ref Unsafe.Add(ref pb, i)) - bias;
                var v = Load8(ref Unsafe.Add(ref pr, i)) - bias;
                var r = l + ((v * 91881 + half) >> 16);
                var g = l + ((u * -22554 + v * -46802 + half) >> 16);
                var b = l + ((u * 116130 + half) >> 16);
                r = Vector256.Min(Vector256.Max(r, Vector256<int>.Zero), max);
                g = Vector256.Min(Vector256.Max(g, Vector256<int>.Zero), max);
                b = Vector256.Min(Vector256.Max(b, Vector256<int>.Zero), max);
                var packed = Avx2.Shuffle((r | (g << 8) | (b << 16)).AsByte(), pack);
                packed.GetLower().StoreUnsafe(ref po, (nuint)(3 * i));
                packed.GetUpper().StoreUnsafe(ref po, (nuint)(3 * i + 12));
            }
        }
        int[] rTab = CrToR, bTab = CbToB, gCr = CrToG, gCb = CbToG;
        for (int o = 3 * i; i < w; i++, o += 3)
        {
            int l = y[i], u = cb[i], v = cr[i];
            rgb[o] = Clamp(l + rTab[v]);
            rgb[o + 1] = Clamp(l + ((gCb[u] + gCr[v]) >> 16));
            rgb[o + 2] = Clamp(l + bTab[u]);
        }
    }

    /// <summary>8 bytes → 8 zero-extended ints.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Load8(ref byte p) =>
        Avx2.ConvertToVector256Int32(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref p)).AsByte());

    /// <summary>Three planes [0..w) → interleaved triples.</summary>
    private static void Interleave(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c, Span<byte> dst)
    {
        for (int i = 0, o = 0; i < a.Length; i++, o += 3)
        {
            dst[o] = a[i];
            dst[o + 1] = b[i];
            dst[o + 2] = c[i];
        }
    }

    /// <summary>Inverted CMYK (or YCCK, first turned into inverted CMY) rows [0..w) → RGB = round(C·K/255), ….</summary>
    private static void CmykToRgb(ReadOnlySpan<byte> c0, ReadOnlySpan<byte> c1, ReadOnlySpan<byte> c2, ReadOnlySpan<byte> k,
        bool ycck, Span<byte> rgb)
    {
        for (int i = 0, o = 0; i < c0.Length; i++, o += 3)
        {
            int c = c0[i], m = c1[i], ye = c2[i];
            if (ycck)
            {
                int l = c0[i], u = c1[i], v = c2[i];
                c = 255 - Clamp(l + CrToR[v]);
                m = 255 - Clamp(l + ((CbToG[u] + CrToG[v]) >> 16));
                ye = 255 - Clamp(l + CbToB[u]);
            }
            int kk = k[i];
            rgb[o] = (byte)((c * kk + 127) / 255);
            rgb[o + 1] = (byte)((m * kk + 127) / 255);
            rgb[o + 2] = (byte)((ye * kk + 127) / 255);
        }
    }

    private static byte Clamp(int v) => (uint)v <= 255 ? (byte)v : v < 0 ? (byte)0 : (byte)255;
}
