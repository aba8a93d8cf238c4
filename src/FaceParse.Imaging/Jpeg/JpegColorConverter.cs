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
    public static Image Render(JpegFrame f, JpegColorSpace space, bool fancy)
    {
        int w = f.Width, h = f.Height;
        var ups = Array.ConvertAll(f.Components, c => new JpegUpsampler(f, c, fancy));
        var image = new Image(w, h, space == JpegColorSpace.Gray ? 1 : 3);
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

    /// <summary>Y, Cb, Cr rows [0..w) → RGB triples; R = Y + Cr·1.402, G = Y − Cb·0.34414 − Cr·0.71414, B = Y + Cb·1.772.</summary>
    private static void YccToRgb(ReadOnlySpan<byte> y, ReadOnlySpan<byte> cb, ReadOnlySpan<byte> cr, Span<byte> rgb)
    {
        int[] rTab = CrToR, bTab = CbToB, gCr = CrToG, gCb = CbToG;
        rgb = rgb[..(y.Length * 3)];
        for (int i = 0, o = 0; i < y.Length; i++, o += 3)
        {
            int l = y[i], u = cb[i], v = cr[i];
            rgb[o] = Clamp(l + rTab[v]);
            rgb[o + 1] = Clamp(l + ((gCb[u] + gCr[v]) >> 16));
            rgb[o + 2] = Clamp(l + bTab[u]);
        }
    }

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
