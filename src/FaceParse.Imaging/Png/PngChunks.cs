using System.Buffers.Binary;

namespace FaceParse.Imaging.Png;

/// <summary>Chunk type codes as big-endian integers.</summary>
internal static class PngChunkType
{
    public const uint Ihdr = 0x49484452, Plte = 0x504C5445, Idat = 0x49444154, Iend = 0x49454E44, Trns = 0x74524E53;

    public static bool IsCritical(uint type) => (type & 0x20000000) == 0;

    public static string Name(uint type) => string.Create(4, type, (s, t) =>
    {
        for (int i = 0; i < 4; i++)
        {
            char c = (char)((t >> (24 - 8 * i)) & 0xFF);
            s[i] = char.IsAsciiLetter(c) ? c : '?';
        }
    });
}

/// <summary>One chunk: its type, payload and whether its CRC matched.</summary>
internal readonly ref struct PngChunk(uint type, ReadOnlySpan<byte> data, int offset, bool crcOk)
{
    public uint Type { get; } = type;
    public ReadOnlySpan<byte> Data { get; } = data;
    /// <summary>Offset of the payload in the file.</summary>
    public int Offset { get; } = offset;
    public bool CrcOk { get; } = crcOk;
}

/// <summary>Walks the chunks of a PNG file; throws on a bad signature, a malformed chunk type or a chunk running past the end.</summary>
internal ref struct PngChunkReader
{
    public static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private readonly ReadOnlySpan<byte> _file;
    private readonly string? _fileName;
    private int _position;

    public PngChunkReader(ReadOnlySpan<byte> file, string? fileName)
    {
        if (file.Length < 8 || !file[..8].SequenceEqual(Signature)) throw new ImageFormatException("not a PNG file (bad signature)", fileName);
        _file = file;
        _fileName = fileName;
        _position = 8;
    }

    public readonly bool AtEnd => _position >= _file.Length;

    public PngChunk Next()
    {
        int remaining = _file.Length - _position;
        if (remaining < 12) throw new ImageFormatException($"truncated chunk header at offset {_position}", _fileName);
        uint length = BinaryPrimitives.ReadUInt32BigEndian(_file[_position..]);
        uint type = BinaryPrimitives.ReadUInt32BigEndian(_file[(_position + 4)..]);
        for (int i = 0; i < 4; i++)
        {
            if (!char.IsAsciiLetter((char)_file[_position + 4 + i]))
                throw new ImageFormatException($"invalid chunk type at offset {_position}", _fileName);
        }
        if (length > int.MaxValue || length > (uint)(remaining - 12))
            throw new ImageFormatException($"{PngChunkType.Name(type)} chunk of {length} bytes runs past the end of the file", _fileName);
        int offset = _position + 8;
        var data = _file.Slice(offset, (int)length);
        uint stored = BinaryPrimitives.ReadUInt32BigEndian(_file[(offset + (int)length)..]);
        bool crcOk = PngCrc.Compute(data, PngCrc.Compute(_file.Slice(_position + 4, 4))) == stored;
        _position = offset + (int)length + 4;
        return new PngChunk(type, data, offset, crcOk);
    }

    /// <summary>Appends one chunk (length, type, data, CRC) to a stream.</summary>
    public static void Write(Stream output, uint type, ReadOnlySpan<byte> data)
    {
        Span<byte> head = stackalloc byte[8];
        BinaryPrimitives.WriteInt32BigEndian(head, data.Length);
        BinaryPrimitives.WriteUInt32BigEndian(head[4..], type);
        output.Write(head);
        output.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(head, PngCrc.Compute(data, PngCrc.Compute(head[4..])));
        output.Write(head[..4]);
    }
}

/// <summary>CRC-32 (ISO-HDLC, reflected polynomial 0xEDB88320) as used by PNG chunks.</summary>
internal static class PngCrc
{
    private static readonly uint[] Table = BuildTable();

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }

    // bytes[n] → crc32 of the concatenation, continuing from a previous Compute result
    public static uint Compute(ReadOnlySpan<byte> bytes, uint previous = 0)
    {
        uint c = ~previous;
        foreach (byte b in bytes) c = Table[(c ^ b) & 0xFF] ^ (c >> 8);
        return ~c;
    }
}

/// <summary>PNG colour type codes (IHDR byte 9).</summary>
public enum PngColorType : byte { Gray = 0, Rgb = 2, Palette = 3, GrayAlpha = 4, Rgba = 6 }

/// <summary>A validated IHDR.</summary>
internal sealed record PngHeader(int Width, int Height, int BitDepth, PngColorType ColorType, bool Interlaced)
{
    public int Channels => ColorType switch
    {
        PngColorType.Gray or PngColorType.Palette => 1,
        PngColorType.GrayAlpha => 2,
        PngColorType.Rgb => 3,
        _ => 4,
    };

    /// <summary>Filter unit: bytes per complete pixel, at least 1.</summary>
    public int FilterBytesPerPixel => Math.Max(1, Channels * BitDepth / 8);

    public long RowBytes(int width) => ((long)width * Channels * BitDepth + 7) / 8;

    public ImageInfo ToInfo() => new(ImageFileFormat.Png, Width, Height, ColorType switch
    {
        PngColorType.Gray => ImageColorModel.Gray,
        PngColorType.GrayAlpha => ImageColorModel.GrayAlpha,
        PngColorType.Rgb => ImageColorModel.Rgb,
        PngColorType.Rgba => ImageColorModel.Rgba,
        _ => ImageColorModel.Palette,
    }, BitDepth, Interlaced);

    public static PngHeader Parse(ReadOnlySpan<byte> data, string? fileName)
    {
        if (data.Length != 13) throw new ImageFormatException($"IHDR has {data.Length} bytes, expected 13", fileName);
        uint width = BinaryPrimitives.ReadUInt32BigEndian(data);
        uint height = BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
        if (width is 0 or > int.MaxValue || height is 0 or > int.MaxValue)
            throw new ImageFormatException($"invalid IHDR size {width}x{height}", fileName);
        int depth = data[8];
        var type = (PngColorType)data[9];
        bool depthOk = type switch
        {
            PngColorType.Gray => depth is 1 or 2 or 4 or 8 or 16,
            PngColorType.Palette => depth is 1 or 2 or 4 or 8,
            PngColorType.Rgb or PngColorType.GrayAlpha or PngColorType.Rgba => depth is 8 or 16,
            _ => throw new ImageFormatException($"invalid IHDR colour type {data[9]}", fileName),
        };
        if (!depthOk) throw new ImageFormatException($"invalid IHDR bit depth {depth} for colour type {type}", fileName);
        if (data[10] != 0) throw new ImageFormatException($"unknown IHDR compression method {data[10]}", fileName);
        if (data[11] != 0) throw new ImageFormatException($"unknown IHDR filter method {data[11]}", fileName);
        if (data[12] > 1) throw new ImageFormatException($"unknown IHDR interlace method {data[12]}", fileName);
        return new PngHeader((int)width, (int)height, depth, type, data[12] == 1);
    }

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteInt32BigEndian(destination, Width);
        BinaryPrimitives.WriteInt32BigEndian(destination[4..], Height);
        destination[8] = (byte)BitDepth;
        destination[9] = (byte)ColorType;
        destination[10] = 0;
        destination[11] = 0;
        destination[12] = Interlaced ? (byte)1 : (byte)0;
    }
}
