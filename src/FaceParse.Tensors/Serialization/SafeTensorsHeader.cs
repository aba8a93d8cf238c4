using System.Buffers.Binary;
using System.Text.Json;

namespace FaceParse.Tensors.Serialization;

// Header parsing and validation: every check happens before any tensor storage is allocated.
public static partial class SafeTensors
{
    internal enum DType { F32, F16, BF16, F64, I64, I32, I16, I8, U8, Bool }

    internal sealed record Entry(string Name, DType DType, int[] Shape, long Begin, long End);

    private static int Size(DType t) => t switch
    {
        DType.F64 or DType.I64 => 8,
        DType.F32 or DType.I32 => 4,
        DType.F16 or DType.BF16 or DType.I16 => 2,
        _ => 1,
    };

    // Entries sorted by offset; throws unless they tile [0, dataLength) exactly (no overlap, no holes, as the spec requires).
    private static List<Entry> ParseHeader(byte[] header, long dataLength, out Dictionary<string, string> metadata)
    {
        if (!System.Text.Unicode.Utf8.IsValid(header)) throw new InvalidDataException("safetensors: header is not valid UTF-8.");
        try
        {
            return ParseJsonHeader(header, dataLength, out metadata);
        }
        catch (InvalidOperationException ex)
        {
            // System.Text.Json refuses to turn an escaped lone surrogate ("\ud800") into a .NET string.
            throw new InvalidDataException($"safetensors: header holds a name or value that is not valid UTF-16 ({ex.Message}).", ex);
        }
    }

    private static List<Entry> ParseJsonHeader(byte[] header, long dataLength, out Dictionary<string, string> metadata)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(header); }
        catch (JsonException ex) { throw new InvalidDataException($"safetensors: header is not valid JSON ({ex.Message}).", ex); }
        using var _ = doc;
        if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new InvalidDataException("safetensors: header must be a JSON object.");
        metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var entries = new List<Entry>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in doc.RootElement.EnumerateObject())
        {
            if (!seen.Add(property.Name)) throw new InvalidDataException($"safetensors: '{property.Name}' appears twice in the header.");
            if (property.Name == MetadataKey) ReadMetadata(property.Value, metadata);
            else entries.Add(ParseEntry(property.Name, property.Value));
        }
        entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long expected = 0;
        foreach (var e in entries)
        {
            if (e.Begin != expected)
                throw new InvalidDataException(e.Begin < expected
                    ? $"safetensors: tensor '{e.Name}' [{e.Begin}, {e.End}) overlaps the previous tensor (ends at {expected})."
                    : $"safetensors: hole in the data section before tensor '{e.Name}' ([{expected}, {e.Begin}) is not indexed).");
            if (e.End > dataLength)
                throw new InvalidDataException($"safetensors: tensor '{e.Name}' data [{e.Begin}, {e.End}) runs past the {dataLength}-byte data section.");
            expected = e.End;
        }
        if (expected != dataLength)
            throw new InvalidDataException($"safetensors: tensors cover {expected} bytes but the data section has {dataLength}.");
        return entries;
    }

    private static void ReadMetadata(JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"safetensors: '{MetadataKey}' must be an object of strings.");
        foreach (var p in value.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.String) throw new InvalidDataException($"safetensors: metadata '{p.Name}' must be a string, got {p.Value.ValueKind}.");
            metadata[p.Name] = p.Value.GetString()!;
        }
    }

    private static Entry ParseEntry(string name, JsonElement value)
    {
        string where = $"safetensors: tensor '{name}'";
        if (value.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{where} must be an object with dtype, shape and data_offsets.");
        if (!value.TryGetProperty("dtype", out var dtypeJson) || dtypeJson.ValueKind != JsonValueKind.String)
            throw new InvalidDataException($"{where} has no string 'dtype'.");
        string dtypeName = dtypeJson.GetString()!;
        DType dtype = dtypeName switch
        {
            "F32" => DType.F32, "F16" => DType.F16, "BF16" => DType.BF16, "F64" => DType.F64,
            "I64" => DType.I64, "I32" => DType.I32, "I16" => DType.I16, "I8" => DType.I8, "U8" => DType.U8, "BOOL" => DType.Bool,
            _ => throw new InvalidDataException($"{where} has unsupported dtype '{dtypeName}'."),
        };
        long[] shape = Integers(value, "shape", where, count: null);
        long[] offsets = Integers(value, "data_offsets", where, count: 2);
        long elements = 1;
        foreach (long d in shape)
        {
            elements *= d;
            if (elements > Array.MaxLength) throw new InvalidDataException($"{where} shape [{string.Join(", ", shape)}] has more than {Array.MaxLength} elements.");
        }
        if (offsets[1] < offsets[0]) throw new InvalidDataException($"{where} data_offsets [{offsets[0]}, {offsets[1]}] end before they begin.");
        if (offsets[1] - offsets[0] != elements * Size(dtype))
            throw new InvalidDataException($"{where} shape [{string.Join(", ", shape)}] of {dtypeName} needs {elements * Size(dtype)} bytes but data_offsets [{offsets[0]}, {offsets[1]}] span {offsets[1] - offsets[0]}.");
        return new Entry(name, dtype, shape.Select(d => (int)d).ToArray(), offsets[0], offsets[1]);
    }

    // A JSON array of non-negative integers (each at most Array.MaxLength for shapes, long for offsets).
    private static long[] Integers(JsonElement value, string key, string where, int? count)
    {
        if (!value.TryGetProperty(key, out var array) || array.ValueKind != JsonValueKind.Array || (count is int c && array.GetArrayLength() != c))
            throw new InvalidDataException($"{where} needs '{key}' as an array{(count is null ? "" : $" of {count}")} of integers.");
        var result = new long[array.GetArrayLength()];
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long v) || v < 0 || (count is null && v > Array.MaxLength))
                throw new InvalidDataException($"{where} has an invalid '{key}' entry {item.GetRawText()}.");
            result[i++] = v;
        }
        return result;
    }

    // Little-endian values of any supported dtype -> float32.
    private static void Convert(DType dtype, ReadOnlySpan<byte> src, Span<float> dst)
    {
        for (int i = 0; i < dst.Length; i++)
        {
            dst[i] = dtype switch
            {
                DType.F32 => BinaryPrimitives.ReadSingleLittleEndian(src[(4 * i)..]),
                DType.F16 => (float)BinaryPrimitives.ReadHalfLittleEndian(src[(2 * i)..]),
                DType.BF16 => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(src[(2 * i)..]) << 16),
                DType.F64 => (float)BinaryPrimitives.ReadDoubleLittleEndian(src[(8 * i)..]),
                DType.I64 => BinaryPrimitives.ReadInt64LittleEndian(src[(8 * i)..]),
                DType.I32 => BinaryPrimitives.ReadInt32LittleEndian(src[(4 * i)..]),
                DType.I16 => BinaryPrimitives.ReadInt16LittleEndian(src[(2 * i)..]),
                DType.I8 => (sbyte)src[i],
                DType.U8 => src[i],
                _ => src[i] != 0 ? 1f : 0f,
            };
        }
    }
}
