using System.Buffers.Binary;
using System.IO.Compression;

namespace FaceParse.Imaging.Png;

/// <summary>Which scanline filter the encoder uses.</summary>
public enum PngFilterMode { Adaptive, None, Sub, Up, Average, Paeth }

/// <summary>PNG encoding choices; the same input and options always give the same bytes.</summary>
public sealed record PngEncodeOptions
{
    public static readonly PngEncodeOptions Default = new();

    public CompressionLevel Level { get; init; } = CompressionLevel.Optimal;

    /// <summary>Adaptive picks, per row, the filter with the smallest sum of absolute (signed) filtered bytes; palette images use None.</summary>
    public PngFilterMode Filter { get; init; } = PngFilterMode.Adaptive;
}

/// <summary>PNG encoder: 8-bit gray / gray+alpha / RGB / RGBA, 16-bit of the same, and 8-bit palette (index = class id) with optional tRNS.</summary>
public static class PngEncoder
{
    private static readonly PngColorType[] TypeByChannels = [PngColorType.Gray, PngColorType.GrayAlpha, PngColorType.Rgb, PngColorType.Rgba];

    public static byte[] Encode(Image image, PngEncodeOptions? options = null)
    {
        var header = new PngHeader(image.Width, image.Height, 8, TypeByChannels[image.Channels - 1], false);
        return Write(header, RowsOf(image.Pixels, image.Stride), null, null, options ?? PngEncodeOptions.Default);
    }

    /// <summary>16-bit samples, written big-endian (e.g. 16-bit gray depth maps).</summary>
    public static byte[] Encode(Image16 image, PngEncodeOptions? options = null)
    {
        var header = new PngHeader(image.Width, image.Height, 16, TypeByChannels[image.Channels - 1], false);
        int stride = image.Width * image.Channels;
        // Each row is written big-endian when the filter asks for it: no image-sized byte copy of the samples.
        return Write(header, (y, destination) =>
        {
            var row = image.Samples.AsSpan(y * stride, stride);
            for (int i = 0; i < row.Length; i++) BinaryPrimitives.WriteUInt16BigEndian(destination[(2 * i)..], row[i]);
        }, null, null, options ?? PngEncodeOptions.Default);
    }

    /// <summary>8-bit palette PNG: the indices are stored as is (label masks: index = class id), PLTE from the palette, tRNS from Alpha when present.</summary>
    /// <exception cref="ArgumentException">An index is not covered by the palette, or Alpha is longer than the palette.</exception>
    public static byte[] Encode(PaletteImage image, PngEncodeOptions? options = null)
    {
        int entries = image.Palette.Length / 3;
        if (entries == 0) throw new ArgumentException("A palette PNG needs at least one palette entry.");
        if (image.Alpha.Length > entries) throw new ArgumentException($"Alpha has {image.Alpha.Length} entries but the palette only {entries}.");
        int maxIndex = image.Indices.Length == 0 ? 0 : image.Indices.Max();
        if (maxIndex >= entries) throw new ArgumentException($"Index {maxIndex} is outside the {entries}-entry palette.");
        var header = new PngHeader(image.Width, image.Height, 8, PngColorType.Palette, false);
        return Write(header, RowsOf(image.Indices, image.Width), image.Palette, image.Alpha.Length > 0 ? image.Alpha : null, options ?? PngEncodeOptions.Default);
    }

    // y, destination[rowBytes] → the raw (unfiltered) bytes of row y
    private delegate void RowSource(int y, Span<byte> destination);

    private static RowSource RowsOf(byte[] raw, int rowBytes) => (y, destination) => raw.AsSpan(y * rowBytes, rowBytes).CopyTo(destination);

    private static byte[] Write(PngHeader header, RowSource raw, byte[]? palette, byte[]? alpha, PngEncodeOptions options)
    {
        var mode = options.Filter == PngFilterMode.Adaptive && palette is not null ? PngFilterMode.None : options.Filter;
        using var zlibBuffer = FilterAndCompress(header, raw, mode, options.Level);
        var compressed = zlibBuffer.GetBuffer().AsSpan(0, (int)zlibBuffer.Length);
        int chunks = (compressed.Length >> 16) + 1;
        using var output = new MemoryStream(compressed.Length + 12 * chunks + 8 + 25 + 12 + (palette?.Length ?? 0) + (alpha?.Length ?? 0) + 24);
        output.Write(PngChunkReader.Signature);
        Span<byte> ihdr = stackalloc byte[13];
        header.Write(ihdr);
        PngChunkReader.Write(output, PngChunkType.Ihdr, ihdr);
        if (palette is not null) PngChunkReader.Write(output, PngChunkType.Plte, palette);
        if (alpha is not null) PngChunkReader.Write(output, PngChunkType.Trns, alpha);
        for (int at = 0; at < compressed.Length; at += 1 << 16)
            PngChunkReader.Write(output, PngChunkType.Idat, compressed.Slice(at, Math.Min(1 << 16, compressed.Length - at)));
        PngChunkReader.Write(output, PngChunkType.Iend, []);
        return output.ToArray();
    }

    // raw rows (h rows of rowBytes, fetched one at a time) → zlib stream of the filtered scanlines (each prefixed by its
    // filter type), filtered one row at a time straight into the compressor so no second image-sized buffer exists
    private static MemoryStream FilterAndCompress(PngHeader header, RowSource raw, PngFilterMode mode, CompressionLevel level)
    {
        int rowBytes = (int)header.RowBytes(header.Width);
        int bpp = header.FilterBytesPerPixel;
        var filtered = new byte[rowBytes + 1];
        var current = new byte[rowBytes];
        var prior = new byte[rowBytes];
        var candidate = new byte[rowBytes];
        var buffer = new MemoryStream();
        using (var zlib = new ZLibStream(buffer, level, leaveOpen: true))
        {
            for (int y = 0; y < header.Height; y++)
            {
                raw(y, current);
                FilterRow(current, prior, bpp, mode, candidate, filtered);
                zlib.Write(filtered);
                (current, prior) = (prior, current);
            }
        }
        return buffer;
    }

    // one raw row and the raw row above it → destination[1 + rowBytes]: filter type, then the filtered bytes
    private static void FilterRow(ReadOnlySpan<byte> row, ReadOnlySpan<byte> prior, int bpp, PngFilterMode mode, Span<byte> candidate, Span<byte> destination)
    {
        int best = mode == PngFilterMode.Adaptive ? 0 : (int)mode - 1;
            PngFilters.Filter(best, row, prior, bpp, destination[1..]);
        if (mode == PngFilterMode.Adaptive)
        {
            long bestCost = PngFilters.Cost(destination[1..]);
            for (int type = 1; type < PngFilters.Count; type++)
            {
                PngFilters.Filter(type, row, prior, bpp, candidate);
                long cost = PngFilters.Cost(candidate);
                if (cost >= bestCost) continue;
                (best, bestCost) = (type, cost);
                candidate.CopyTo(destination[1..]);
            }
        }
        destination[0] = (byte)best;
    }
}
