using System.Buffers.Binary;
using System.Text;

namespace FaceParse.Export.Onnx;

/// <summary>The few protocol-buffer encodings an ONNX file needs (varint, 64-bit ints, length-delimited bytes, strings and
/// nested messages), written by hand so the library needs no generated code. Field numbers live with the messages
/// (<see cref="OnnxModelWriter"/>); this type only knows the wire format.</summary>
internal sealed class ProtoWriter
{
    private const int Varint = 0, LengthDelimited = 2, Fixed32 = 5;
    private readonly MemoryStream _buffer = new();

    public long Length => _buffer.Length;

    /// <summary>An int64/int32/enum field (wire type 0). Negative values take ten bytes, as protobuf specifies.</summary>
    public ProtoWriter Int(int field, long value)
    {
        Tag(field, Varint);
        WriteVarint(unchecked((ulong)value));
        return this;
    }

    /// <summary>A float field (wire type 5, four little-endian bytes).</summary>
    public ProtoWriter Float(int field, float value)
    {
        Tag(field, Fixed32);
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
        _buffer.Write(bytes);
        return this;
    }

    /// <summary>A bytes field (wire type 2).</summary>
    public ProtoWriter Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, LengthDelimited);
        WriteVarint((ulong)value.Length);
        _buffer.Write(value);
        return this;
    }

    /// <summary>A string field, UTF-8.</summary>
    public ProtoWriter String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    /// <summary>A nested message field, written by <paramref name="body"/> into its own buffer and length-prefixed.</summary>
    public ProtoWriter Message(int field, Action<ProtoWriter> body)
    {
        var inner = new ProtoWriter();
        body(inner);
        Tag(field, LengthDelimited);
        WriteVarint((ulong)inner.Length);
        inner._buffer.Position = 0;
        inner._buffer.CopyTo(_buffer);
        return this;
    }

    /// <summary>Little-endian float32 values (raw_data of a FLOAT tensor).</summary>
    public static byte[] LittleEndian(ReadOnlySpan<float> values)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        return bytes;
    }

    /// <summary>Little-endian int64 values (raw_data of an INT64 tensor).</summary>
    public static byte[] LittleEndian(ReadOnlySpan<long> values)
    {
        var bytes = new byte[values.Length * sizeof(long)];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * 8), values[i]);
        return bytes;
    }

    public void CopyTo(Stream stream)
    {
        _buffer.Position = 0;
        _buffer.CopyTo(stream);
    }

    public byte[] ToArray() => _buffer.ToArray();

    private void Tag(int field, int wireType) => WriteVarint((ulong)((field << 3) | wireType));

    private void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _buffer.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        _buffer.WriteByte((byte)value);
    }
}
