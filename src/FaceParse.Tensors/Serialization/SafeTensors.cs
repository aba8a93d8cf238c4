using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace FaceParse.Tensors.Serialization;

/// <summary>The tensors and the optional "__metadata__" string map of a safetensors file.</summary>
public sealed record SafeTensorsFile(Dictionary<string, Tensor> Tensors, Dictionary<string, string> Metadata);

/// <summary>Reads and writes the safetensors format (huggingface/safetensors): an 8-byte little-endian header length,
/// a JSON header {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {string: string}}, then the
/// little-endian tensor bytes, offsets relative to the start of that data section.</summary>
/// <remarks>Load converts F32, F16, BF16, F64 and the integer/bool dtypes to float32 tensors. Save writes F32 with names in
/// ordinal order, the header padded with spaces to a multiple of 8 bytes so the data section is 8-byte aligned.
/// A malformed file (header length, JSON, dtype, shape or offsets) throws <see cref="InvalidDataException"/>, which is
/// sealed in .NET, so no subtype is possible; every message starts with "safetensors:".</remarks>
public static partial class SafeTensors
{
    /// <summary>Largest accepted JSON header (the reference implementation's limit).</summary>
    public const int MaxHeaderBytes = 100_000_000;

    internal const string MetadataKey = "__metadata__";

    /// <summary>Writes atomically: to a temporary file in the same folder, then renamed over <paramref name="path"/>.</summary>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        string full = Path.GetFullPath(path);
        string temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                Save(stream, tensors, metadata);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    public static void Save(Stream stream, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var names = tensors.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray();
        if (names.Contains(MetadataKey)) throw new ArgumentException($"safetensors: '{MetadataKey}' is reserved and cannot name a tensor.");
        byte[] header = Header(names, tensors, metadata);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        foreach (var name in names) WriteFloats(stream, Spatial.Dense(tensors[name]).Span);
    }

    // UTF-8 JSON header padded with spaces to a multiple of 8 bytes.
    private static byte[] Header(string[] names, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal)) json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var name in names)
            {
                var t = tensors[name];
                json.WriteStartObject(name);
                json.WriteString("dtype", "F32");
                json.WriteStartArray("shape");
                foreach (int d in t.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                offset += 4L * t.Count;
                json.WriteNumberValue(offset);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        int padded = (int)((buffer.Length + 7) / 8 * 8);
        var header = new byte[padded];
        buffer.ToArray().CopyTo(header, 0);
        header.AsSpan((int)buffer.Length).Fill((byte)' ');
        return header;
    }

    private static void WriteFloats(Stream stream, ReadOnlySpan<float> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(MemoryMarshal.AsBytes(values));
            return;
        }
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        stream.Write(bytes);
    }

    public static SafeTensorsFile Load(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Load(stream);
    }

    /// <summary>Reads a whole safetensors file from the current position of <paramref name="stream"/>.</summary>
    /// <exception cref="InvalidDataException">The bytes do not follow the format.</exception>
    public static SafeTensorsFile Load(Stream stream)
    {
        if (!stream.CanSeek)
        {
            // The data section's length must be known to validate offsets before allocating anything they describe.
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            copy.Position = 0;
            return Load(copy);
        }
        var entries = ReadHeader(stream, out var metadata);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var e in entries) tensors[e.Name] = ReadTensor(stream, e);
        return new SafeTensorsFile(tensors, metadata);
    }

    /// <summary>The <c>__metadata__</c> of a safetensors file, reading only its header (the tensors are checked for a valid layout
    /// but not read).</summary>
    /// <exception cref="InvalidDataException">The header does not follow the format.</exception>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 12);
        ReadHeader(stream, out var metadata);
        return metadata;
    }

    // Reads and validates the header at the stream's position (seekable), leaving the stream at the data section.
    private static List<Entry> ReadHeader(Stream stream, out Dictionary<string, string> metadata)
    {
        long available = stream.Length - stream.Position;
        Span<byte> lengthBytes = stackalloc byte[8];
        if (available < 8) throw new InvalidDataException($"safetensors: {available} bytes is too short for the 8-byte header length.");
        stream.ReadExactly(lengthBytes);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > MaxHeaderBytes)
            throw new InvalidDataException($"safetensors: header length {headerLength} exceeds the {MaxHeaderBytes}-byte limit.");
        if ((long)headerLength > available - 8)
            throw new InvalidDataException($"safetensors: header length {headerLength} runs past the end of the file ({available - 8} bytes follow it).");
        var header = new byte[headerLength];
        stream.ReadExactly(header);
        return ParseHeader(header, available - 8 - (long)headerLength, out metadata);
    }

    private static Tensor ReadTensor(Stream stream, Entry e)
    {
        var t = Tensor.Empty(e.Shape);
        var dst = t.Span;
        if (e.DType == DType.F32 && BitConverter.IsLittleEndian)
        {
            stream.ReadExactly(MemoryMarshal.AsBytes(dst));
            return t;
        }
        var bytes = new byte[e.End - e.Begin];
        stream.ReadExactly(bytes);
        Convert(e.DType, bytes, dst);
        return t;
    }
}
