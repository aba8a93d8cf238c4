using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using FaceParse.Tensors;

namespace FaceParse.Training;

/// <summary>NumPy <c>.npy</c> files (format version 1.0) of float32 tensors, e.g. logits C×H×W for inspection in Python.</summary>
/// <remarks>Layout: magic <c>\x93NUMPY</c>, version bytes 1 0, a little-endian uint16 header length, then an ASCII Python dict
/// <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (C, H, W), }</c> padded with spaces and ending in '\n' so that
/// magic + version + length + header is a multiple of 64 bytes; then the little-endian float32 data in C order.
/// <see cref="Read"/> accepts versions 1.0 and 2.0 (uint32 header length) with descr <c>&lt;f4</c> and C order only.</remarks>
internal static partial class Npy
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>The header bytes (magic through the padded dict) for a float32 C-order array of <paramref name="shape"/>.</summary>
    public static byte[] Header(IReadOnlyList<int> shape)
    {
        string dims = shape.Count == 1 ? $"{shape[0]}," : string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));
        string dict = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({dims}), }}";
        int unpadded = Magic.Length + 2 + 2 + dict.Length + 1;
        int total = (unpadded + 63) / 64 * 64;
        if (total - 10 > ushort.MaxValue) throw new ArgumentException($"Shape of rank {shape.Count} makes a header too long for .npy v1.0.");
        var header = new byte[total];
        Magic.CopyTo(header);
        (header[6], header[7]) = (1, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), (ushort)(total - 10));
        Encoding.ASCII.GetBytes(dict).CopyTo(header, 10);
        header.AsSpan(10 + dict.Length, total - 11 - dict.Length).Fill((byte)' ');
        header[^1] = (byte)'\n';
        return header;
    }

    // tensor [any shape] → stream (.npy v1.0, '<f4', C order)
    public static void Write(Stream stream, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensor);
        stream.Write(Header(tensor.Shape));
        var values = tensor.ToArray();
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(MemoryMarshal.AsBytes(values.AsSpan()));
            return;
        }
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        stream.Write(bytes);
    }

    // tensor [any shape] → file at path (created or overwritten)
    public static void Write(string path, Tensor tensor)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        Write(stream, tensor);
    }

    /// <summary>Reads a float32 .npy array.</summary>
    /// <exception cref="InvalidDataException">Not a .npy file, or not little-endian float32 in C order; the message says which.</exception>
    public static Tensor Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> prefix = stackalloc byte[8];
        ReadExactly(stream, prefix, "the magic and version");
        if (!prefix[..6].SequenceEqual(Magic)) throw new InvalidDataException("npy: missing the \\x93NUMPY magic.");
        int major = prefix[6];
        if (major is not (1 or 2)) throw new InvalidDataException($"npy: unsupported format version {major}.{prefix[7]}.");
        Span<byte> lengthBytes = stackalloc byte[major == 1 ? 2 : 4];
        ReadExactly(stream, lengthBytes, "the header length");
        long length = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(lengthBytes) : BinaryPrimitives.ReadUInt32LittleEndian(lengthBytes);
        if (length > 1 << 20) throw new InvalidDataException($"npy: header length {length} is implausible.");
        var headerBytes = new byte[length];
        ReadExactly(stream, headerBytes, "the header");
        var shape = ParseHeader(Encoding.ASCII.GetString(headerBytes));
        var tensor = Tensor.Empty(shape);
        var bytes = MemoryMarshal.AsBytes(tensor.Span);
        ReadExactly(stream, bytes, $"{tensor.Count} float32 values");
        if (!BitConverter.IsLittleEndian)
        {
            var span = tensor.Span;
            for (int i = 0; i < span.Length; i++) span[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(4 * i, 4));
        }
        return tensor;
    }

    public static Tensor Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        try { return Read(stream); }
        catch (InvalidDataException e) { throw new InvalidDataException($"{path}: {e.Message}", e); }
    }

    private static int[] ParseHeader(string header)
    {
        var descr = DescrPattern().Match(header);
        if (!descr.Success || descr.Groups[1].Value != "<f4")
            throw new InvalidDataException($"npy: only little-endian float32 ('<f4') is supported, header is {header.Trim()}.");
        var fortran = FortranPattern().Match(header);
        if (!fortran.Success || fortran.Groups[1].Value != "False")
            throw new InvalidDataException($"npy: only C order (fortran_order False) is supported, header is {header.Trim()}.");
        var shape = ShapePattern().Match(header);
        if (!shape.Success) throw new InvalidDataException($"npy: no shape tuple in header {header.Trim()}.");
        var dims = shape.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var result = new int[dims.Length];
        for (int i = 0; i < dims.Length; i++)
            if (!int.TryParse(dims[i].TrimEnd('L'), NumberStyles.None, CultureInfo.InvariantCulture, out result[i]))
                throw new InvalidDataException($"npy: bad dimension '{dims[i]}' in shape ({shape.Groups[1].Value}).");
        return result;
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string what)
    {
        try { stream.ReadExactly(buffer); }
        catch (EndOfStreamException e) { throw new InvalidDataException($"npy: file ends inside {what}.", e); }
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
