using System.Buffers.Binary;

namespace FaceParse.Imaging.Jpeg;

/// <summary>Parses marker segments (DQT, DHT, SOFn, SOS, DRI, APP0/APP1/APP14) into decoder state, validating every
/// length, index and table against T.81 so that bad headers become <see cref="ImageFormatException"/>s.</summary>
internal sealed class JpegHeaderParser(string? fileName, long maxPixels)
{
    public readonly ushort[]?[] QuantTables = new ushort[4][];
    public readonly JpegHuffmanTable?[] DcTables = new JpegHuffmanTable[4];
    public readonly JpegHuffmanTable?[] AcTables = new JpegHuffmanTable[4];
    public JpegFrame? Frame;
    public int RestartInterval;
    public bool SawJfif;
    public int AdobeTransform = -1;
    public int Orientation = 1;
    private bool _sawExif;

    public string? FileName => fileName;

    public ImageFormatException Error(string message) => new(message, fileName);

    /// <summary>DQT: one or more tables of 64 8- or 16-bit values in zig-zag order.</summary>
    public void ParseDqt(ReadOnlySpan<byte> s)
    {
        while (s.Length > 0)
        {
            int pq = s[0] >> 4, tq = s[0] & 15;
            if (pq > 1 || tq > 3) throw Error($"invalid DQT table (precision {pq}, id {tq})");
            int size = 1 + 64 * (pq + 1);
            if (s.Length < size) throw Error("truncated DQT segment");
            var table = new ushort[64];
            for (int k = 0; k < 64; k++)
                table[JpegTables.ZigZag[k]] = pq == 0 ? s[1 + k] : BinaryPrimitives.ReadUInt16BigEndian(s[(1 + 2 * k)..]);
            QuantTables[tq] = table;
            s = s[size..];
        }
    }

    /// <summary>DHT: one or more tables: class/id byte, 16 code counts, symbols.</summary>
    public void ParseDht(ReadOnlySpan<byte> s)
    {
        while (s.Length > 0)
        {
            int tc = s[0] >> 4, th = s[0] & 15;
            if (tc > 1 || th > 3) throw Error($"invalid DHT table class/id 0x{s[0]:X2}");
            if (s.Length < 17) throw Error("truncated DHT segment");
            var counts = s.Slice(1, 16);
            int total = 0;
            foreach (byte n in counts) total += n;
            if (total > 256) throw Error("invalid DHT table: more than 256 symbols");
            if (s.Length < 17 + total) throw Error("truncated DHT segment");
            var table = JpegHuffmanTable.TryCreate(counts, s.Slice(17, total))
                ?? throw Error("invalid DHT table: code lengths overflow the code space");
            (tc == 0 ? DcTables : AcTables)[th] = table;
            s = s[(17 + total)..];
        }
    }

    public void ParseDri(ReadOnlySpan<byte> s)
    {
        if (s.Length < 2) throw Error("truncated DRI segment");
        RestartInterval = BinaryPrimitives.ReadUInt16BigEndian(s);
    }

    /// <summary>SOFn: precision, size, components with sampling factors and quantisation table ids.</summary>
    public void ParseSof(int marker, ReadOnlySpan<byte> s)
    {
        if (Frame is not null) throw Error("more than one frame (SOF) marker");
        if (marker is 0xC3 or 0xC7 or 0xCB or 0xCF) throw Error($"unsupported JPEG process: lossless (SOF{marker - 0xC0})");
        if (marker >= 0xC9) throw Error($"unsupported JPEG process: arithmetic coding (SOF{marker - 0xC0})");
        if (marker is 0xC5 or 0xC6) throw Error($"unsupported JPEG process: hierarchical (SOF{marker - 0xC0})");
        if (s.Length < 6) throw Error("truncated SOF segment");
        var f = new JpegFrame
        {
            Precision = s[0],
            Height = BinaryPrimitives.ReadUInt16BigEndian(s[1..]),
            Width = BinaryPrimitives.ReadUInt16BigEndian(s[3..]),
            Progressive = marker == 0xC2,
        };
        int n = s[5];
        if (f.Precision == 12) throw Error("unsupported JPEG sample precision 12 (only 8-bit is supported)");
        if (f.Precision != 8) throw Error($"invalid JPEG sample precision {f.Precision}");
        if (f.Width == 0 || f.Height == 0) throw Error($"invalid JPEG frame size {f.Width}x{f.Height} (DNL not supported)");
        if ((long)f.Width * f.Height > maxPixels)
            throw Error($"JPEG frame {f.Width}x{f.Height} exceeds the limit of {maxPixels} pixels");
        if (n is not (1 or 3 or 4)) throw Error($"unsupported JPEG component count {n}");
        if (s.Length < 6 + 3 * n) throw Error("truncated SOF segment");
        f.Components = new JpegComponent[n];
        for (int i = 0; i < n; i++)
        {
            var p = s.Slice(6 + 3 * i, 3);
            var c = new JpegComponent { Id = p[0], H = p[1] >> 4, V = p[1] & 15, QuantId = p[2] };
            if (c.H is < 1 or > 4 || c.V is < 1 or > 4) throw Error($"invalid sampling factors {c.H}x{c.V}");
            if (c.QuantId > 3) throw Error($"invalid quantisation table id {c.QuantId}");
            for (int j = 0; j < i; j++)
                if (f.Components[j].Id == c.Id) throw Error($"duplicate component id {c.Id}");
            f.Components[i] = c;
            f.MaxH = Math.Max(f.MaxH, c.H);
            f.MaxV = Math.Max(f.MaxV, c.V);
        }
        f.McusX = (f.Width + 8 * f.MaxH - 1) / (8 * f.MaxH);
        f.McusY = (f.Height + 8 * f.MaxV - 1) / (8 * f.MaxV);
        foreach (var c in f.Components)
        {
            if (f.MaxH % c.H != 0 || f.MaxV % c.V != 0)
                throw Error($"unsupported fractional sampling ratio {f.MaxH}/{c.H} x {f.MaxV}/{c.V}");
            c.SampleWidth = (f.Width * c.H + f.MaxH - 1) / f.MaxH;
            c.SampleHeight = (f.Height * c.V + f.MaxV - 1) / f.MaxV;
            c.WidthInBlocks = (c.SampleWidth + 7) / 8;
            c.HeightInBlocks = (c.SampleHeight + 7) / 8;
            c.BlocksPerLine = f.McusX * c.H;
            c.BlocksPerColumn = f.McusY * c.V;
        }
        Frame = f;
    }

    /// <summary>SOS: component selectors with table ids, then Ss, Se, Ah/Al; binds tables and latches quantisers.</summary>
    public JpegScan ParseSos(ReadOnlySpan<byte> s)
    {
        var f = Frame ?? throw Error("SOS marker before any SOF frame header");
        if (s.Length < 1) throw Error("truncated SOS segment");
        int n = s[0];
        if (n < 1 || n > 4 || s.Length < 1 + 2 * n + 3) throw Error($"invalid SOS segment ({n} components)");
        var scan = new JpegScan
        {
            Components = new JpegComponent[n],
            SpectralStart = s[1 + 2 * n],
            SpectralEnd = s[2 + 2 * n],
            ApproxHigh = s[3 + 2 * n] >> 4,
            ApproxLow = s[3 + 2 * n] & 15,
        };
        int blocksPerMcu = 0;
        for (int i = 0; i < n; i++)
        {
            int id = s[1 + 2 * i], td = s[2 + 2 * i] >> 4, ta = s[2 + 2 * i] & 15;
            var c = Array.Find(f.Components, x => x.Id == id) ?? throw Error($"SOS refers to unknown component id {id}");
            if (Array.IndexOf(scan.Components, c) >= 0) throw Error($"SOS lists component {id} twice");
            if (td > 3 || ta > 3) throw Error($"invalid Huffman table ids {td}/{ta} in SOS");
            scan.Components[i] = c;
            blocksPerMcu += c.H * c.V;
            bool needDc = !f.Progressive || (scan.SpectralStart == 0 && scan.ApproxHigh == 0);
            bool needAc = !f.Progressive || scan.SpectralStart > 0;
            c.DcTable = needDc ? DcTables[td] ?? DefaultTable(false, td) : null;
            c.AcTable = needAc ? AcTables[ta] ?? DefaultTable(true, ta) : null;
            c.Quant ??= QuantTables[c.QuantId]?.ToArray() ?? throw Error($"quantisation table {c.QuantId} was not defined");
        }
        if (n > 1 && blocksPerMcu > 10) throw Error($"too many blocks per MCU ({blocksPerMcu}) in an interleaved scan");
        if (f.Progressive)
        {
            bool dc = scan.SpectralStart == 0;
            if ((dc && scan.SpectralEnd != 0) || (!dc && (scan.SpectralEnd < scan.SpectralStart || scan.SpectralEnd > 63 || n != 1))
                || scan.ApproxLow > 13 || (scan.ApproxHigh != 0 && scan.ApproxHigh != scan.ApproxLow + 1))
                throw Error($"invalid progressive scan parameters Ss={scan.SpectralStart} Se={scan.SpectralEnd} Ah={scan.ApproxHigh} Al={scan.ApproxLow}");
        }
        return scan;
    }

    /// <summary>Huffman slots 0/1 default to the Annex K tables when never defined (Motion-JPEG); other slots are errors.</summary>
    private JpegHuffmanTable DefaultTable(bool ac, int slot)
    {
        if (slot > 1) throw Error($"Huffman table {(ac ? "AC" : "DC")} {slot} was not defined");
        var table = JpegHuffmanTable.Standard(ac, slot);
        (ac ? AcTables : DcTables)[slot] = table;
        return table;
    }

    /// <summary>APPn: JFIF (APP0), Exif orientation (APP1, first one only), Adobe colour transform (APP14).</summary>
    public void ParseApp(int marker, ReadOnlySpan<byte> s)
    {
        if (marker == 0xE0 && s.StartsWith("JFIF\0"u8)) SawJfif = true;
        else if (marker == 0xE1 && !_sawExif && s.StartsWith("Exif\0\0"u8))
        {
            _sawExif = true;
            Orientation = JpegExif.ReadOrientation(s[6..]);
        }
        else if (marker == 0xEE && s.Length >= 12 && s.StartsWith("Adobe"u8)) AdobeTransform = s[11];
    }

    /// <summary>libjpeg's reading of the colour space from component count, JFIF/Adobe markers and component ids.</summary>
    public JpegColorSpace ColorSpace()
    {
        var f = Frame!;
        switch (f.Components.Length)
        {
            case 1: return JpegColorSpace.Gray;
            case 3:
                if (SawJfif) return JpegColorSpace.YCbCr;
                if (AdobeTransform == 0) return JpegColorSpace.Rgb;
                if (AdobeTransform > 0) return JpegColorSpace.YCbCr;
                var c = f.Components;
                return c[0].Id == 'R' && c[1].Id == 'G' && c[2].Id == 'B' ? JpegColorSpace.Rgb : JpegColorSpace.YCbCr;
            default:
                return AdobeTransform is 0 or -1 ? JpegColorSpace.Cmyk : JpegColorSpace.Ycck;
        }
    }
}
