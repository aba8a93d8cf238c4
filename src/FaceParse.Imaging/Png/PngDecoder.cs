using System.Buffers.Binary;

namespace FaceParse.Imaging.Png;

/// <summary>PNG decoder: every colour type and bit depth, PLTE/tRNS, Adam7, CRC and Adler-32 checks, bounded inflation.</summary>
/// <remarks>Gamma, sBIT, bKGD and colour-profile chunks are ignored: the result holds the raw stored samples.
/// Low-bit-depth gray is scaled to 0..255 by bit replication; 8-bit gray keeps its raw values (label masks).</remarks>
public static class PngDecoder
{
    /// <summary>True when the bytes start with the PNG signature.</summary>
    public static bool IsPng(ReadOnlySpan<byte> header) =>
        header.Length >= 8 && header[..8].SequenceEqual(PngChunkReader.Signature);

    /// <summary>Reads only the IHDR.</summary>
    public static ImageInfo ReadInfo(ReadOnlySpan<byte> file, string? fileName = null)
    {
        var reader = new PngChunkReader(file, fileName);
        var chunk = reader.Next();
        if (chunk.Type != PngChunkType.Ihdr) throw new ImageFormatException("first chunk is not IHDR", fileName);
        if (!chunk.CrcOk) throw new ImageFormatException("IHDR: CRC error", fileName);
        return PngHeader.Parse(chunk.Data, fileName).ToInfo();
    }

    /// <remarks>Any <see cref="ImageDecodeOptions"/> work; <see cref="PngDecodeOptions"/> adds PNG strictness.</remarks>
    public static DecodedImage Decode(ReadOnlySpan<byte> file, ImageDecodeOptions? options = null, string? fileName = null)
    {
        options ??= PngDecodeOptions.Default;
        var parsed = ReadChunks(file, options, fileName);
        var header = parsed.Header;
        var passes = PngPass.For(header.Width, header.Height, header.Interlaced);
        using var raw = BoundedInflate.Open(parsed.Idat, PngScanlines.RawSize(header, passes), fileName);
        long samples64 = (long)header.Width * header.Height * (header.Channels + 1);
        if (samples64 > Array.MaxLength) throw new ImageFormatException($"image {header.Width}x{header.Height} is too large to hold in memory", fileName);
        int count = header.Width * header.Height * header.Channels;
        if (header.BitDepth == 16)
        {
            var samples = new ushort[count];
            PngScanlines.Decode<ushort>(header, passes, raw, fileName, samples);
            return Build16(header, samples, parsed.Transparency);
        }
        var bytes = new byte[count];
        PngScanlines.Decode<byte>(header, passes, raw, fileName, bytes);
        return header.ColorType == PngColorType.Palette
            ? BuildPalette(header, bytes, parsed.Palette!, parsed.Transparency)
            : Build8(header, bytes, parsed.Transparency);
    }

    private sealed record Chunks(PngHeader Header, byte[] Idat, byte[]? Palette, byte[]? Transparency);

    private static Chunks ReadChunks(ReadOnlySpan<byte> file, ImageDecodeOptions options, string? fileName)
    {
        var reader = new PngChunkReader(file, fileName);
        var first = reader.Next();
        if (first.Type != PngChunkType.Ihdr) throw new ImageFormatException("first chunk is not IHDR", fileName);
        if (!first.CrcOk) throw new ImageFormatException("IHDR: CRC error", fileName);
        var header = PngHeader.Parse(first.Data, fileName);
        options.CheckSize(header.Width, header.Height, fileName);
        byte[]? palette = null, transparency = null;
        var idat = new List<(int Offset, int Length)>();
        bool idatClosed = false;
        while (!reader.AtEnd)
        {
            var chunk = reader.Next();
            string name = PngChunkType.Name(chunk.Type);
            bool critical = PngChunkType.IsCritical(chunk.Type);
            if (!chunk.CrcOk)
            {
                if (critical || options is PngDecodeOptions { StrictAncillaryCrc: true }) throw new ImageFormatException($"{name}: CRC error", fileName);
                continue;
            }
            if (idat.Count > 0 && chunk.Type != PngChunkType.Idat) idatClosed = true;
            switch (chunk.Type)
            {
                case PngChunkType.Iend:
                    return Finish(header, file, idat, palette, transparency, fileName);
                case PngChunkType.Idat:
                    if (idatClosed) throw new ImageFormatException("IDAT chunks are not consecutive", fileName);
                    idat.Add((chunk.Offset, chunk.Data.Length));
                    break;
                case PngChunkType.Plte:
                    if (palette is not null || idat.Count > 0) throw new ImageFormatException("misplaced or duplicate PLTE", fileName);
                    if (chunk.Data.Length % 3 != 0 || chunk.Data.Length is 0 or > 768)
                        throw new ImageFormatException($"PLTE has invalid length {chunk.Data.Length}", fileName);
                    if (header.ColorType is PngColorType.Palette or PngColorType.Rgb or PngColorType.Rgba) palette = chunk.Data.ToArray();
                    break;
                case PngChunkType.Trns:
                    if (idat.Count == 0 && transparency is null) transparency = ReadTransparency(header, chunk.Data, palette);
                    break;
                case PngChunkType.Ihdr:
                    throw new ImageFormatException("duplicate IHDR", fileName);
                default:
                    if (critical) throw new ImageFormatException($"{name}: unknown critical chunk", fileName);
                    break;
            }
        }
        // A file that ends cleanly after a whole chunk but without IEND is accepted, as libpng does.
        return Finish(header, file, idat, palette, transparency, fileName);
    }

    private static Chunks Finish(PngHeader header, ReadOnlySpan<byte> file, List<(int Offset, int Length)> idat,
        byte[]? palette, byte[]? transparency, string? fileName)
    {
        if (idat.Count == 0) throw new ImageFormatException("no IDAT chunk", fileName);
        if (header.ColorType == PngColorType.Palette && palette is null) throw new ImageFormatException("palette image without PLTE", fileName);
        var data = new byte[idat.Sum(c => (long)c.Length)];
        int at = 0;
        foreach (var (offset, length) in idat)
        {
            file.Slice(offset, length).CopyTo(data.AsSpan(at));
            at += length;
        }
        return new Chunks(header, data, palette, transparency);
    }

    // tRNS payload → palette alphas, or the transparent key as samples (one per channel, 16-bit big-endian in the file); null if unusable
    private static byte[]? ReadTransparency(PngHeader header, ReadOnlySpan<byte> data, byte[]? palette)
    {
        switch (header.ColorType)
        {
            case PngColorType.Palette:
                if (palette is null || data.Length == 0) return null;
                return data[..Math.Min(data.Length, palette.Length / 3)].ToArray();
            case PngColorType.Gray or PngColorType.Rgb:
                return data.Length == 2 * header.Channels ? data.ToArray() : null;
            default:
                return null;
        }
    }

    private static ushort[] KeySamples(byte[] transparency) =>
        [.. Enumerable.Range(0, transparency.Length / 2).Select(i => BinaryPrimitives.ReadUInt16BigEndian(transparency.AsSpan(2 * i)))];

    private static DecodedImage Build16(PngHeader header, ushort[] samples, byte[]? transparency)
    {
        int channels = header.Channels;
        if (transparency is not null)
        {
            var withAlpha = new ushort[samples.Length / channels * (channels + 1)];
            PngScanlines.AppendKeyAlpha<ushort>(samples, channels, KeySamples(transparency), ushort.MaxValue, withAlpha);
            (samples, channels) = (withAlpha, channels + 1);
        }
        var image16 = new Image16(header.Width, header.Height, channels, samples);
        return new DecodedImage(header.ToInfo(), image16);
    }

    private static DecodedImage Build8(PngHeader header, byte[] samples, byte[]? transparency)
    {
        int channels = header.Channels;
        int scale = 255 / ((1 << header.BitDepth) - 1);
        if (scale != 1)
        {
            for (int i = 0; i < samples.Length; i++) samples[i] = (byte)(samples[i] * scale);
        }
        if (transparency is not null)
        {
            var key = KeySamples(transparency);
            // A key outside the bit depth matches no pixel (libpng warns and keeps every pixel opaque).
            byte[] byteKey = key.All(k => k < 1 << header.BitDepth) ? [.. key.Select(k => (byte)(k * scale))] : [];
            var withAlpha = new byte[samples.Length / channels * (channels + 1)];
            PngScanlines.AppendKeyAlpha<byte>(samples, channels, byteKey, 255, withAlpha);
            (samples, channels) = (withAlpha, channels + 1);
        }
        return new DecodedImage(header.ToInfo(), new Image(header.Width, header.Height, channels, samples));
    }

    private static DecodedImage BuildPalette(PngHeader header, byte[] indices, byte[] palette, byte[]? alpha)
    {
        var paletteImage = new PaletteImage(header.Width, header.Height, indices, PaletteImage.CoveringPalette(palette, indices), alpha);
        return new DecodedImage(header.ToInfo(), paletteImage.ToImage(), palette: paletteImage);
    }
}

/// <summary>PNG decoding limits and strictness.</summary>
public sealed record PngDecodeOptions : ImageDecodeOptions
{
    public static new readonly PngDecodeOptions Default = new();

    /// <summary>When true an ancillary chunk with a bad CRC is an error; by default it is skipped, as libpng does.</summary>
    public bool StrictAncillaryCrc { get; init; }
}
