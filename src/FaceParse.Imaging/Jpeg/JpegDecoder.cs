using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace FaceParse.Imaging.Jpeg;

/// <summary>Pure managed JPEG decoder: baseline, extended and progressive Huffman (8-bit), any integer sampling factors,
/// restart intervals, gray/YCbCr/RGB/CMYK/YCCK, EXIF orientation. 12-bit, arithmetic, lossless and hierarchical
/// files raise <see cref="ImageFormatException"/> saying "unsupported".</summary>
public static class JpegDecoder
{
    /// <summary>Upper bound on scans per file, so hostile files with endless scans cannot loop for long.</summary>
    private const int MaxScans = 1000;

    /// <summary>True when the bytes start with SOI followed by another marker (FF D8 FF).</summary>
    public static bool IsJpeg(ReadOnlySpan<byte> header) =>
        header.Length >= 3 && header[0] == 0xFF && header[1] == 0xD8 && header[2] == 0xFF;

    /// <summary>Reads the headers up to the first scan: size, components, precision, process, orientation, colour space.</summary>
    public static JpegInfo ReadInfo(ReadOnlySpan<byte> data, string? fileName = null)
    {
        var p = new JpegHeaderParser(fileName, long.MaxValue);
        Walk(data, p, WalkMode.Info);
        return Info(p);
    }

    private static JpegInfo Info(JpegHeaderParser p)
    {
        var f = p.Frame ?? throw p.Error("no frame header (SOF marker) found");
        return new JpegInfo(f.Width, f.Height, f.Components.Length, f.Precision, f.Progressive, p.Orientation,
            p.ColorSpace().ToString() switch { "Rgb" => "RGB", "Cmyk" => "CMYK", "Ycck" => "YCCK", var s => s },
            SubsamplingName(f));
    }

    /// <summary>Decodes to 1 channel (gray) or 3 channels (RGB), oriented upright unless the options say otherwise.</summary>
    /// <remarks>Uses <see cref="ImageDecodeOptions.MaxPixels"/>, <see cref="ImageDecodeOptions.ApplyExifOrientation"/> and
    /// <see cref="ImageDecodeOptions.FancyUpsampling"/>.</remarks>
    public static Image Decode(ReadOnlySpan<byte> data, ImageDecodeOptions? options = null, string? fileName = null) =>
        Decode(data, options, fileName, out _);

    /// <summary>Decodes and also returns the header facts (one pass over the headers).</summary>
    public static Image Decode(ReadOnlySpan<byte> data, ImageDecodeOptions? options, string? fileName, out JpegInfo info)
    {
        options ??= ImageDecodeOptions.Default;
        // Every marker segment is validated (entropy-coded data skipped) before any frame-sized buffer is allocated.
        Walk(data, new JpegHeaderParser(fileName, options.MaxPixels), WalkMode.Validate);
        var p = new JpegHeaderParser(fileName, options.MaxPixels);
        Image image;
        try
        {
            Walk(data, p, WalkMode.Decode);
            var f = p.Frame!;
            info = Info(p);
            if (f.Progressive) TransformCoefficients(f);
            image = JpegColorConverter.Render(f, p.ColorSpace(), options.FancyUpsampling);
        }
        finally
        {
            p.Frame?.Release();
        }
        return options.ApplyExifOrientation ? JpegExif.Apply(image, p.Orientation) : image;
    }

    private enum WalkMode { Info, Validate, Decode }

    /// <summary>Walks the marker segments: Info stops at the first SOS, Validate parses every segment and skips the
    /// entropy-coded data, Decode decodes every scan. Data that ends after at least one scan is accepted (like
    /// libjpeg's "premature end" warning).</summary>
    private static void Walk(ReadOnlySpan<byte> data, JpegHeaderParser p, WalkMode mode)
    {
        bool decode = mode != WalkMode.Info;
        if (data.Length < 2 || data[0] != 0xFF || data[1] != 0xD8) throw p.Error("not a JPEG file (missing SOI marker)");
        int pos = 2, scans = 0;
        while (true)
        {
            int marker = NextMarker(data, ref pos);
            if (marker < 0)
            {
                if (scans > 0) return;
                throw p.Error(p.Frame is null ? "premature end of JPEG data (no frame header)" : "premature end of JPEG data before any scan");
            }
            if (marker == 0xD9) break;
            if (marker == 0xD8) throw p.Error("invalid JPEG file structure: two SOI markers");
            if (marker is 0x01 or (>= 0xD0 and <= 0xD7)) continue; // stand-alone markers
            if (pos + 2 > data.Length)
            {
                if (scans > 0) return;
                throw p.Error($"truncated JPEG segment 0x{marker:X2}");
            }
            int length = BinaryPrimitives.ReadUInt16BigEndian(data[pos..]);
            if (length < 2) throw p.Error($"invalid length {length} of JPEG segment 0x{marker:X2}");
            if (pos + length > data.Length)
            {
                if (scans > 0) return;
                throw p.Error($"truncated JPEG segment 0x{marker:X2}");
            }
            var segment = data.Slice(pos + 2, length - 2);
            pos += length;
            switch (marker)
            {
                case 0xC4: p.ParseDht(segment); break;
                case 0xCC: break; // DAC: arithmetic conditioning, irrelevant (arithmetic frames are refused)
                case >= 0xC0 and <= 0xCF: p.ParseSof(marker, segment); break;
                case 0xDB: p.ParseDqt(segment); break;
                case 0xDD: p.ParseDri(segment); break;
                case >= 0xE0 and <= 0xEF: p.ParseApp(marker, segment); break;
                case 0xDA:
                    var scan = p.ParseSos(segment);
                    if (mode == WalkMode.Info) return;
                    if (++scans > MaxScans) throw p.Error($"more than {MaxScans} scans");
                    if (mode == WalkMode.Validate) break;
                    p.Frame!.Allocate();
                    pos = DecodeScan(data, pos, p, scan);
                    break;
            }
        }
        if (p.Frame is null) throw p.Error("no frame header (SOF marker) found");
        if (decode && scans == 0) throw p.Error("JPEG file has no image data (missing SOS marker)");
    }

    /// <summary>Finds the next marker at or after pos, skipping fill bytes and stray data; returns its code, or −1 at the end.</summary>
    private static int NextMarker(ReadOnlySpan<byte> data, ref int pos)
    {
        while (pos < data.Length)
        {
            if (data[pos++] != 0xFF) continue;
            while (pos < data.Length && data[pos] == 0xFF) pos++;
            if (pos >= data.Length) break;
            int m = data[pos++];
            if (m != 0) return m;
        }
        pos = data.Length;
        return -1;
    }

    private static int DecodeScan(ReadOnlySpan<byte> data, int pos, JpegHeaderParser p, JpegScan scan)
    {
        var f = p.Frame!;
        int ri = p.RestartInterval;
        if (!f.Progressive)
        {
            var d = new SequentialBlockDecoder();
            return JpegScanDriver.Run(data, pos, f, scan, ri, ref d, p.FileName);
        }
        if (scan.SpectralStart == 0)
        {
            var d = new ProgressiveDcDecoder(scan.ApproxHigh != 0, scan.ApproxLow);
            return JpegScanDriver.Run(data, pos, f, scan, ri, ref d, p.FileName);
        }
        var a = new ProgressiveAcDecoder(scan);
        return JpegScanDriver.Run(data, pos, f, scan, ri, ref a, p.FileName);
    }

    /// <summary>Progressive frames: dequantise and inverse-transform every stored block into the sample planes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TransformCoefficients(JpegFrame f)
    {
        var zero = new ushort[64];
        foreach (var c in f.Components)
        {
            JpegFrame.AllocatePlane(c);
            var q = c.Quant ?? zero;
            int stride = c.PlaneStride;
            for (int by = 0; by < c.HeightInBlocks; by++)
            {
                for (int bx = 0; bx < c.WidthInBlocks; bx++)
                {
                    var block = c.Coefficients.AsSpan((by * c.BlocksPerLine + bx) * 64, 64);
                    var dst = c.Plane.AsSpan(by * 8 * stride + bx * 8);
                    if (block[1..].ContainsAnyExcept((short)0)) JpegIdct.Transform(block, q, dst, stride);
                    else JpegIdct.TransformDcOnly(block[0], q[0], dst, stride);
                }
            }
            c.Coefficients = []; // spent: the next component's plane may reuse the memory
        }
    }

    private static string SubsamplingName(JpegFrame f)
    {
        var c = f.Components;
        string factors = string.Join(",", c.Select(x => $"{x.H}x{x.V}"));
        if (c.Length == 1) return $"gray({factors})";
        bool sameChroma = c.Skip(1).All(x => x.H == c[1].H && x.V == c[1].V);
        string name = !sameChroma ? "custom" : (f.MaxH / c[1].H, f.MaxV / c[1].V, c[0].H == f.MaxH && c[0].V == f.MaxV) switch
        {
            (1, 1, true) => "4:4:4",
            (2, 1, true) => "4:2:2",
            (2, 2, true) => "4:2:0",
            (1, 2, true) => "4:4:0",
            (4, 1, true) => "4:1:1",
            (4, 2, true) => "4:1:0",
            _ => "custom",
        };
        return $"{name}({factors})";
    }
}
