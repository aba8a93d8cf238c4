using System.Buffers.Binary;
using System.Text;
using FaceParse.Imaging.Png;
using FaceParse.Testing.Fuzz;

namespace FaceParse.Imaging.Tests.Fuzz;

/// <summary>Format-aware edits for the decoder fuzz targets: PNG chunk length/CRC edits, payload edits with the CRC
/// repaired (so they reach the decoder proper), huge dimensions, zlib damage; JPEG huge frames, Huffman/quantisation table
/// damage, stray markers, entropy-data damage; BMP and Netpbm header fields.</summary>
internal static class ImageMutations
{
    public static (string, Mutation)[] Png =>
    [
        ("png-chunk-length", PngChunkLength), ("png-crc", PngCrcBreak), ("png-payload-crc-fixed", PngPayload),
        ("png-huge-ihdr", PngHugeIhdr), ("png-zlib-damage", PngZlibDamage), ("png-zlib-header", PngZlibHeader),
        ("png-drop-chunk", PngDropChunk), ("png-duplicate-chunk", PngDuplicateChunk),
    ];

    public static (string, Mutation)[] Jpeg =>
    [
        ("jpeg-huge-frame", JpegHugeFrame), ("jpeg-huffman-damage", JpegHuffmanDamage), ("jpeg-dqt-damage", JpegDqtDamage),
        ("jpeg-sos-damage", JpegSosDamage), ("jpeg-stray-marker", JpegStrayMarker), ("jpeg-entropy-damage", JpegEntropyDamage),
        ("jpeg-segment-length", JpegSegmentLength),
    ];

    public static (string, Mutation)[] Bmp => [("bmp-huge-size", BmpHugeSize), ("bmp-header-field", BmpHeaderField)];

    public static (string, Mutation)[] Netpbm => [("pnm-header-number", PnmHeaderNumber), ("pnm-header-cut", PnmHeaderCut)];

    // ---- PNG ----

    private readonly record struct Chunk(int Start, int Length, string Type)
    {
        public int DataStart => Start + 8;
        public int End => Start + 12 + Length;
    }

    private static List<Chunk> Chunks(byte[] png)
    {
        var list = new List<Chunk>();
        for (int p = 8; p + 12 <= png.Length;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(p));
            if (length < 0 || p + 12L + length > png.Length) break;
            list.Add(new Chunk(p, length, Encoding.ASCII.GetString(png, p + 4, 4)));
            p += 12 + length;
        }
        return list;
    }

    private static Chunk? Pick(byte[] png, Random rng, string? type = null)
    {
        var chunks = Chunks(png).Where(c => type is null || c.Type == type).ToList();
        return chunks.Count == 0 ? null : chunks[rng.Next(chunks.Count)];
    }

    private static void FixCrc(byte[] png, Chunk c) =>
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(c.DataStart + c.Length), PngCrc.Compute(png.AsSpan(c.Start + 4, 4 + c.Length)));

    private static byte[]? PngChunkLength(byte[] png, Random rng)
    {
        if (Pick(png, rng) is not { } c) return null;
        var copy = (byte[])png.Clone();
        uint value = rng.Next(3) switch { 0 => 0xFFFFFFFF, 1 => 0x7FFFFFFF, _ => (uint)(c.Length + rng.Next(-8, 9)) };
        BinaryPrimitives.WriteUInt32BigEndian(copy.AsSpan(c.Start), value);
        return copy;
    }

    private static byte[]? PngCrcBreak(byte[] png, Random rng)
    {
        if (Pick(png, rng) is not { } c) return null;
        var copy = (byte[])png.Clone();
        copy[c.DataStart + c.Length + rng.Next(4)] ^= (byte)(1 + rng.Next(255));
        return copy;
    }

    private static byte[]? PngPayload(byte[] png, Random rng)
    {
        if (Pick(png, rng) is not { Length: > 0 } c) return null;
        var copy = (byte[])png.Clone();
        for (int i = 1 + rng.Next(4); i > 0; i--) copy[c.DataStart + rng.Next(c.Length)] = (byte)rng.Next(256);
        FixCrc(copy, c);
        return copy;
    }

    private static byte[]? PngHugeIhdr(byte[] png, Random rng)
    {
        if (Pick(png, rng, "IHDR") is not { Length: 13 } c) return null;
        var copy = (byte[])png.Clone();
        uint[] sizes = [0, 1, 10_000, 65_535, 100_000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF];
        int field = rng.Next(3);
        if (field != 1) BinaryPrimitives.WriteUInt32BigEndian(copy.AsSpan(c.DataStart), sizes[rng.Next(sizes.Length)]);
        if (field != 0) BinaryPrimitives.WriteUInt32BigEndian(copy.AsSpan(c.DataStart + 4), sizes[rng.Next(sizes.Length)]);
        if (rng.Next(4) == 0) copy[c.DataStart + 8 + rng.Next(5)] = (byte)rng.Next(256); // depth, colour type, methods
        FixCrc(copy, c);
        return copy;
    }

    private static byte[]? PngZlibDamage(byte[] png, Random rng)
    {
        if (Pick(png, rng, "IDAT") is not { Length: > 2 } c) return null;
        var copy = (byte[])png.Clone();
        int at = c.DataStart + 2 + rng.Next(c.Length - 2);
        switch (rng.Next(3))
        {
            case 0: copy[at] ^= (byte)(1 << rng.Next(8)); break;
            case 1: copy.AsSpan(at, Math.Min(1 + rng.Next(64), c.DataStart + c.Length - at)).Fill((byte)rng.Next(256)); break;
            default: copy[at] = (byte)rng.Next(256); break;
        }
        FixCrc(copy, c);
        return copy;
    }

    private static byte[]? PngZlibHeader(byte[] png, Random rng)
    {
        if (Pick(png, rng, "IDAT") is not { Length: >= 2 } c) return null;
        var copy = (byte[])png.Clone();
        int cmf = rng.Next(3) == 0 ? rng.Next(256) : 0x78, flg = rng.Next(256) | (rng.Next(2) == 0 ? 0x20 : 0);
        flg = (flg & 0xE0) + (31 - (cmf * 256 + (flg & 0xE0)) % 31) % 31; // keep the check bits right half of the time
        copy[c.DataStart] = (byte)cmf;
        copy[c.DataStart + 1] = (byte)(rng.Next(2) == 0 ? flg : rng.Next(256));
        FixCrc(copy, c);
        return copy;
    }

    private static byte[]? PngDropChunk(byte[] png, Random rng)
    {
        if (Pick(png, rng) is not { } c) return null;
        return [.. png.AsSpan(0, c.Start), .. png.AsSpan(c.End)];
    }

    private static byte[]? PngDuplicateChunk(byte[] png, Random rng)
    {
        var chunks = Chunks(png);
        if (chunks.Count == 0) return null;
        var c = chunks[rng.Next(chunks.Count)];
        int to = chunks[rng.Next(chunks.Count)].Start;
        return [.. png.AsSpan(0, to), .. png.AsSpan(c.Start, c.End - c.Start), .. png.AsSpan(to)];
    }

    // ---- JPEG ----

    private readonly record struct Segment(int Start, int Marker, int Length)
    {
        public int PayloadStart => Start + 4;
        public int End => Start + 2 + Length;
    }

    // marker segments before the first scan, and the first SOS
    private static List<Segment> Segments(byte[] jpeg)
    {
        var list = new List<Segment>();
        for (int p = 2; p + 4 <= jpeg.Length && jpeg[p] == 0xFF;)
        {
            int marker = jpeg[p + 1], length = BinaryPrimitives.ReadUInt16BigEndian(jpeg.AsSpan(p + 2));
            if (length < 2 || p + 2 + length > jpeg.Length) break;
            list.Add(new Segment(p, marker, length));
            if (marker == 0xDA) break;
            p += 2 + length;
        }
        return list;
    }

    private static Segment? PickSegment(byte[] jpeg, Random rng, Func<int, bool> marker)
    {
        var list = Segments(jpeg).Where(s => marker(s.Marker)).ToList();
        return list.Count == 0 ? null : list[rng.Next(list.Count)];
    }

    private static byte[]? JpegHugeFrame(byte[] jpeg, Random rng)
    {
        if (PickSegment(jpeg, rng, m => m is >= 0xC0 and <= 0xC2) is not { Length: >= 8 } s) return null;
        var copy = (byte[])jpeg.Clone();
        ushort[] sizes = [0, 1, 7, 8, 9, 4096, 16000, 65535];
        if (rng.Next(3) != 1) BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(s.PayloadStart + 1), sizes[rng.Next(sizes.Length)]);
        if (rng.Next(3) != 0) BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(s.PayloadStart + 3), sizes[rng.Next(sizes.Length)]);
        if (rng.Next(4) == 0 && s.Length >= 11) copy[s.PayloadStart + 7 + 3 * rng.Next((s.Length - 8) / 3)] = (byte)rng.Next(256); // sampling
        return copy;
    }

    private static byte[]? JpegHuffmanDamage(byte[] jpeg, Random rng)
    {
        if (PickSegment(jpeg, rng, m => m == 0xC4) is not { Length: >= 19 } s) return null;
        var copy = (byte[])jpeg.Clone();
        switch (rng.Next(3))
        {
            case 0: copy[s.PayloadStart + 1 + rng.Next(16)] = (byte)rng.Next(rng.Next(2) == 0 ? 4 : 256); break; // code counts
            case 1: copy[s.PayloadStart + 17 + rng.Next(s.Length - 19)] = (byte)rng.Next(256); break; // symbols
            default: copy[s.PayloadStart] = (byte)rng.Next(256); break; // class/id
        }
        return copy;
    }

    private static byte[]? JpegDqtDamage(byte[] jpeg, Random rng)
    {
        if (PickSegment(jpeg, rng, m => m == 0xDB) is not { Length: >= 67 } s) return null;
        var copy = (byte[])jpeg.Clone();
        if (rng.Next(2) == 0) copy[s.PayloadStart] = (byte)rng.Next(256);
        else copy.AsSpan(s.PayloadStart + 1, 64).Fill((byte)(rng.Next(2) == 0 ? 0 : 255));
        return copy;
    }

    private static byte[]? JpegSosDamage(byte[] jpeg, Random rng)
    {
        if (PickSegment(jpeg, rng, m => m == 0xDA) is not { Length: >= 8 } s) return null;
        var copy = (byte[])jpeg.Clone();
        copy[s.PayloadStart + rng.Next(s.Length - 2)] = (byte)rng.Next(256);
        return copy;
    }

    private static readonly byte[] Markers = [0xD8, 0xD9, 0xDA, 0xC0, 0xC2, 0xC4, 0xDB, 0xDD, 0xD0, 0xD7, 0x01, 0xFF, 0xE1, 0xC3, 0xC9];

    private static byte[]? JpegStrayMarker(byte[] jpeg, Random rng)
    {
        int at = 2 + rng.Next(Math.Max(1, jpeg.Length - 2));
        at = Math.Min(at, jpeg.Length);
        byte[] insert = rng.Next(2) == 0
            ? [0xFF, Markers[rng.Next(Markers.Length)]]
            : [0xFF, Markers[rng.Next(Markers.Length)], (byte)rng.Next(256), (byte)rng.Next(256)];
        return [.. jpeg.AsSpan(0, at), .. insert, .. jpeg.AsSpan(at)];
    }

    private static byte[]? JpegEntropyDamage(byte[] jpeg, Random rng)
    {
        var segments = Segments(jpeg);
        if (segments.Count == 0 || segments[^1].Marker != 0xDA || segments[^1].End >= jpeg.Length - 2) return null;
        var copy = (byte[])jpeg.Clone();
        int start = segments[^1].End, at = start + rng.Next(copy.Length - 2 - start);
        int length = Math.Min(1 + rng.Next(32), copy.Length - 2 - at);
        for (int i = 0; i < length; i++) copy[at + i] = (byte)(rng.Next(4) == 0 ? rng.Next(256) : copy[at + i] ^ (1 << rng.Next(8)));
        return copy;
    }

    private static byte[]? JpegSegmentLength(byte[] jpeg, Random rng)
    {
        if (PickSegment(jpeg, rng, _ => true) is not { } s) return null;
        var copy = (byte[])jpeg.Clone();
        ushort[] lengths = [0, 1, 2, 3, 0xFFFF, (ushort)(s.Length + 1), (ushort)Math.Max(0, s.Length - 1)];
        BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(s.Start + 2), lengths[rng.Next(lengths.Length)]);
        return copy;
    }

    // ---- BMP ----

    private static byte[]? BmpHugeSize(byte[] bmp, Random rng)
    {
        if (bmp.Length < 26) return null;
        var copy = (byte[])bmp.Clone();
        int[] sizes = [0, -1, 1, 65_535, 100_000, int.MaxValue, int.MinValue, -100_000];
        if (rng.Next(3) != 1) BinaryPrimitives.WriteInt32LittleEndian(copy.AsSpan(18), sizes[rng.Next(sizes.Length)]);
        if (rng.Next(3) != 0) BinaryPrimitives.WriteInt32LittleEndian(copy.AsSpan(22), sizes[rng.Next(sizes.Length)]);
        return copy;
    }

    private static byte[]? BmpHeaderField(byte[] bmp, Random rng)
    {
        if (bmp.Length < 54) return null;
        var copy = (byte[])bmp.Clone();
        int[] fields = [2, 10, 14, 28, 30, 34, 46, 50]; // file size, pixel offset, DIB size, bit count, compression, image size, colours used, important
        int at = fields[rng.Next(fields.Length)];
        uint[] values = [0, 1, 8, 16, 24, 32, 3, 6, 255, 256, 257, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF];
        if (at == 28) BinaryPrimitives.WriteUInt16LittleEndian(copy.AsSpan(at), (ushort)values[rng.Next(values.Length)]);
        else BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(at), values[rng.Next(values.Length)]);
        return copy;
    }

    // ---- Netpbm ----

    private static int HeaderEnd(byte[] pnm)
    {
        int end = pnm.AsSpan().IndexOf("ENDHDR\n"u8);
        if (end >= 0) return end + 7;
        int newlines = 0;
        for (int i = 0; i < Math.Min(pnm.Length, 128); i++)
            if (pnm[i] == '\n' && ++newlines == 3) return i + 1;
        return Math.Min(pnm.Length, 32);
    }

    private static readonly string[] Numbers = ["0", "1", "255", "256", "65535", "65536", "99999999999", "2147483647", "-1", "4294967296", "100000", "x"];

    private static byte[]? PnmHeaderNumber(byte[] pnm, Random rng)
    {
        int end = HeaderEnd(pnm);
        string header = Encoding.ASCII.GetString(pnm, 0, end);
        var numbers = System.Text.RegularExpressions.Regex.Matches(header, "[0-9]+").Where(m => m.Index > 1).ToList();
        if (numbers.Count == 0) return null;
        var m = numbers[rng.Next(numbers.Count)];
        string edited = header[..m.Index] + Numbers[rng.Next(Numbers.Length)] + header[(m.Index + m.Length)..];
        return [.. Encoding.ASCII.GetBytes(edited), .. pnm.AsSpan(end)];
    }

    private static byte[]? PnmHeaderCut(byte[] pnm, Random rng)
    {
        int end = HeaderEnd(pnm);
        int at = 2 + rng.Next(Math.Max(1, end - 2));
        return rng.Next(2) == 0 ? pnm[..Math.Min(at, pnm.Length)] : [.. pnm.AsSpan(0, Math.Min(at, pnm.Length)), .. pnm.AsSpan(Math.Min(end, pnm.Length))];
    }
}
