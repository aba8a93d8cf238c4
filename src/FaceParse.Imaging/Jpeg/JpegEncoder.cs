namespace FaceParse.Imaging.Jpeg;

/// <summary>Baseline JPEG encoder: JFIF, Annex K quantisation tables scaled by IJG quality, Annex K Huffman tables,
/// 4:2:0 or 4:4:4 chroma. Gray input (1 or 2 channels) is written as one component; alpha is dropped.
/// Output bytes are a pure function of the inputs.</summary>
public static class JpegEncoder
{
    public static byte[] Encode(Image image, int quality = 90, JpegSubsampling subsampling = JpegSubsampling.S420)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (quality is < 1 or > 100) throw new ArgumentOutOfRangeException(nameof(quality), quality, "JPEG quality must be 1..100.");
        if (image.Width > 65535 || image.Height > 65535)
            throw new ArgumentException($"JPEG cannot store {image.Width}x{image.Height}: 65535 is the largest dimension.");
        bool gray = image.Channels <= 2;
        int hs = gray || subsampling == JpegSubsampling.S444 ? 1 : 2; // luma sampling factor (both directions)
        int mcu = 8 * hs;
        int mcusX = (image.Width + mcu - 1) / mcu, mcusY = (image.Height + mcu - 1) / mcu;
        int pw = mcusX * mcu, ph = mcusY * mcu;

        var planes = gray ? [GrayPlane(image, pw, ph)] : YccPlanes(image, pw, ph);
        if (hs == 2)
        {
            planes[1] = Halve(planes[1], pw, ph);
            planes[2] = Halve(planes[2], pw, ph);
        }

        var luma = new ushort[64];
        var chroma = new ushort[64];
        JpegTables.ScaleQuant(JpegTables.LumaQuant, quality, luma);
        JpegTables.ScaleQuant(JpegTables.ChromaQuant, quality, chroma);

        using var ms = new MemoryStream();
        WriteHeaders(ms, image.Width, image.Height, gray, hs, luma, chroma);

        var dcCodes = new[] { new JpegHuffmanCodes(JpegTables.DcLumaBits, JpegTables.DcLumaValues), new JpegHuffmanCodes(JpegTables.DcChromaBits, JpegTables.DcChromaValues) };
        var acCodes = new[] { new JpegHuffmanCodes(JpegTables.AcLumaBits, JpegTables.AcLumaValues), new JpegHuffmanCodes(JpegTables.AcChromaBits, JpegTables.AcChromaValues) };
        var writer = new JpegBitWriter(ms);
        Span<short> block = stackalloc short[64];
        Span<int> dcPred = stackalloc int[3];
        for (int my = 0; my < mcusY; my++)
        {
            for (int mx = 0; mx < mcusX; mx++)
            {
                for (int c = 0; c < planes.Length; c++)
                {
                    int f = c == 0 ? hs : 1, stride = c == 0 ? pw : pw * f / hs, t = c == 0 ? 0 : 1;
                    for (int v = 0; v < f; v++)
                    {
                        for (int h = 0; h < f; h++)
                        {
                            int x = (mx * f + h) * 8, y = (my * f + v) * 8;
                            JpegForwardDct.Transform(planes[c].AsSpan(y * stride + x), stride, t == 0 ? luma : chroma, block);
                            writer.WriteBlock(block, ref dcPred[c], dcCodes[t], acCodes[t]);
                        }
                    }
                }
            }
        }
        writer.Flush();
        ms.Write([0xFF, 0xD9]);
        return ms.ToArray();
    }

    /// <summary>Gray (or gray+alpha) image → one pw x ph plane, edges replicated into the padding.</summary>
    private static byte[] GrayPlane(Image image, int pw, int ph)
    {
        var plane = new byte[pw * ph];
        int ch = image.Channels;
        for (int y = 0; y < ph; y++)
        {
            var row = image.Row(Math.Min(y, image.Height - 1));
            for (int x = 0; x < pw; x++) plane[y * pw + x] = row[Math.Min(x, image.Width - 1) * ch];
        }
        return plane;
    }

    /// <summary>RGB(A) → three pw x ph planes Y, Cb, Cr (JFIF full range, 16-bit fixed point), edges replicated.</summary>
    private static byte[][] YccPlanes(Image image, int pw, int ph)
    {
        byte[] yp = new byte[pw * ph], cb = new byte[pw * ph], cr = new byte[pw * ph];
        int ch = image.Channels;
        for (int y = 0; y < ph; y++)
        {
            var row = image.Row(Math.Min(y, image.Height - 1));
            for (int x = 0; x < pw; x++)
            {
                int i = Math.Min(x, image.Width - 1) * ch;
                int r = row[i], g = row[i + 1], b = row[i + 2], o = y * pw + x;
                yp[o] = (byte)((19595 * r + 38470 * g + 7471 * b + 32768) >> 16);
                cb[o] = (byte)Math.Min(255, (-11059 * r - 21709 * g + 32768 * b + (128 << 16) + 32767) >> 16);
                cr[o] = (byte)Math.Min(255, (32768 * r - 27439 * g - 5329 * b + (128 << 16) + 32767) >> 16);
            }
        }
        return [yp, cb, cr];
    }

    /// <summary>pw x ph plane → (pw/2) x (ph/2) plane of rounded 2x2 means.</summary>
    private static byte[] Halve(byte[] src, int pw, int ph)
    {
        int w = pw / 2, h = ph / 2;
        var dst = new byte[w * h];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                int i = 2 * y * pw + 2 * x;
                dst[y * w + x] = (byte)((src[i] + src[i + 1] + src[i + pw] + src[i + pw + 1] + 2) >> 2);
            }
        }
        return dst;
    }

    private static void WriteHeaders(MemoryStream ms, int width, int height, bool gray, int hs, ushort[] luma, ushort[] chroma)
    {
        ms.Write([0xFF, 0xD8]);
        Segment(ms, 0xE0, [.. "JFIF\0"u8, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
        var dqt = new List<byte>();
        foreach (var (table, id) in gray ? [(luma, 0)] : new[] { (luma, 0), (chroma, 1) })
        {
            dqt.Add((byte)id);
            for (int k = 0; k < 64; k++) dqt.Add((byte)table[JpegTables.ZigZag[k]]);
        }
        Segment(ms, 0xDB, [.. dqt]);
        int n = gray ? 1 : 3;
        var sof = new List<byte> { 8, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, (byte)n };
        for (int c = 0; c < n; c++) sof.AddRange([(byte)(c + 1), (byte)(c == 0 ? hs << 4 | hs : 0x11), (byte)(c == 0 ? 0 : 1)]);
        Segment(ms, 0xC0, [.. sof]);
        var dht = new List<byte>();
        AddTable(dht, 0x00, JpegTables.DcLumaBits, JpegTables.DcLumaValues);
        AddTable(dht, 0x10, JpegTables.AcLumaBits, JpegTables.AcLumaValues);
        if (!gray)
        {
            AddTable(dht, 0x01, JpegTables.DcChromaBits, JpegTables.DcChromaValues);
            AddTable(dht, 0x11, JpegTables.AcChromaBits, JpegTables.AcChromaValues);
        }
        Segment(ms, 0xC4, [.. dht]);
        var sos = new List<byte> { (byte)n };
        for (int c = 0; c < n; c++) sos.AddRange([(byte)(c + 1), (byte)(c == 0 ? 0x00 : 0x11)]);
        sos.AddRange([0, 63, 0]);
        Segment(ms, 0xDA, [.. sos]);
    }

    private static void AddTable(List<byte> dst, int classAndId, ReadOnlySpan<byte> counts, ReadOnlySpan<byte> symbols)
    {
        dst.Add((byte)classAndId);
        dst.AddRange(counts);
        dst.AddRange(symbols);
    }

    private static void Segment(MemoryStream ms, int marker, ReadOnlySpan<byte> payload)
    {
        ms.Write([0xFF, (byte)marker, (byte)((payload.Length + 2) >> 8), (byte)(payload.Length + 2)]);
        ms.Write(payload);
    }
}
