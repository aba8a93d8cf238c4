using System.Buffers.Binary;

namespace FaceParse.Imaging.Png;

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
