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
