using System.Buffers.Binary;
using System.Numerics;

namespace FaceParse.Imaging.Bmp;

/// <summary>BMP decoder: 8-bit palette, 24-bit BGR, 32-bit BI_RGB (4th byte ignored) and BI_BITFIELDS (alpha when a mask is given); bottom-up and top-down.</summary>
/// <remarks>8-bit files keep their indices in <see cref="DecodedImage.Palette"/>; when the palette is the identity gray ramp the image is 1-channel gray.</remarks>
public static class BmpDecoder
{
    public static bool IsBmp(ReadOnlySpan<byte> header) => header.Length >= 2 && header[0] == 'B' && header[1] == 'M';

    public static ImageInfo ReadInfo(ReadOnlySpan<byte> file, string? fileName = null) => BmpHeader.Parse(file, fileName).ToInfo();

    public static DecodedImage Decode(ReadOnlySpan<byte> file, ImageDecodeOptions? options = null, string? fileName = null)
    {
        var header = BmpHeader.Parse(file, fileName);
        (options ?? ImageDecodeOptions.Default).CheckSize(header.Width, header.Height, fileName);
        if (header.PixelOffset + (long)header.Stride * header.Height > file.Length)
            throw new ImageFormatException("truncated BMP pixel data", fileName);
        var pixels = file[header.PixelOffset..];
        return header.BitCount switch
        {
            8 => DecodeIndexed(header, file.Slice(header.PaletteOffset, 4 * header.PaletteEntries), pixels),
            24 => new DecodedImage(header.ToInfo(), DecodeDirect(header, pixels, 3)),
            _ => new DecodedImage(header.ToInfo(), DecodeDirect(header, pixels, header.HasAlpha ? 4 : 3)),
        };
    }

    // file row index of image row y (BMP rows are bottom-up unless the height was negative)
    private static int SourceRow(BmpHeader header, int y) => header.TopDown ? y : header.Height - 1 - y;

    private static DecodedImage DecodeIndexed(BmpHeader header, ReadOnlySpan<byte> bgrx, ReadOnlySpan<byte> pixels)
    {
        var indices = new byte[header.Width * header.Height];
        for (int y = 0; y < header.Height; y++)
            pixels.Slice(SourceRow(header, y) * header.Stride, header.Width).CopyTo(indices.AsSpan(y * header.Width));
        var palette = new byte[3 * header.PaletteEntries];
        bool grayRamp = header.PaletteEntries == 256;
        for (int i = 0; i < header.PaletteEntries; i++)
        {
            (palette[3 * i], palette[3 * i + 1], palette[3 * i + 2]) = (bgrx[4 * i + 2], bgrx[4 * i + 1], bgrx[4 * i]);
            grayRamp &= bgrx[4 * i] == i && bgrx[4 * i + 1] == i && bgrx[4 * i + 2] == i;
        }
        var paletteImage = new PaletteImage(header.Width, header.Height, indices, PaletteImage.CoveringPalette(palette, indices));
        if (grayRamp)
            return new DecodedImage(header.ToInfo() with { ColorModel = ImageColorModel.Gray }, new Image(header.Width, header.Height, 1, (byte[])indices.Clone()), palette: paletteImage);
        return new DecodedImage(header.ToInfo(), paletteImage.ToImage(), palette: paletteImage);
    }

    // 24-bit BGR / 32-bit BGRX or bit-field rows → RGB(A) image with `channels` channels
    private static Image DecodeDirect(BmpHeader header, ReadOnlySpan<byte> pixels, int channels)
    {
        var image = new Image(header.Width, header.Height, channels);
        int bytesPerPixel = header.BitCount / 8;
        for (int y = 0; y < header.Height; y++)
        {
            var source = pixels.Slice(SourceRow(header, y) * header.Stride, header.Width * bytesPerPixel);
            var row = image.Row(y);
            for (int x = 0; x < header.Width; x++)
            {
                var px = source.Slice(x * bytesPerPixel, bytesPerPixel);
                var dst = row.Slice(x * channels, channels);
                if (header.Masks.Length == 0)
                {
                    (dst[0], dst[1], dst[2]) = (px[2], px[1], px[0]);
                    continue;
                }
                uint value = BinaryPrimitives.ReadUInt32LittleEndian(px);
                for (int c = 0; c < channels; c++) dst[c] = Extract(value, header.Masks[c]);
            }
        }
        return image;
    }

    // 32-bit pixel, channel mask → 8-bit value (masks of other widths are rescaled to 0..255)
    private static byte Extract(uint value, uint mask)
    {
        if (mask == 0) return 0;
        int shift = BitOperations.TrailingZeroCount(mask);
        uint max = mask >> shift;
        uint v = (value & mask) >> shift;
        return max == 255 ? (byte)v : (byte)((v * 255 + max / 2) / max);
    }
}

/// <summary>A validated BMP file + DIB header (BITMAPINFOHEADER and its V2..V5 extensions).</summary>
internal sealed record BmpHeader(int Width, int Height, bool TopDown, int BitCount, int PixelOffset, uint[] Masks, int PaletteOffset, int PaletteEntries)
{
    public const int FileHeaderSize = 14;
    public const uint BiRgb = 0, BiBitfields = 3, BiAlphaBitfields = 6;

    public int Stride => (int)(((long)Width * BitCount + 31) / 32 * 4);

    public bool HasAlpha => Masks.Length == 4 && Masks[3] != 0;

    public ImageInfo ToInfo() => new(ImageFileFormat.Bmp, Width, Height,
        BitCount == 8 ? ImageColorModel.Palette : HasAlpha ? ImageColorModel.Rgba : ImageColorModel.Rgb, 8);

    public static BmpHeader Parse(ReadOnlySpan<byte> file, string? fileName)
    {
        if (!BmpDecoder.IsBmp(file)) throw new ImageFormatException("not a BMP file (missing 'BM')", fileName);
        if (file.Length < FileHeaderSize + 40) throw new ImageFormatException("truncated BMP header", fileName);
        uint pixelOffset = BinaryPrimitives.ReadUInt32LittleEndian(file[10..]);
        var dib = file[FileHeaderSize..];
        uint dibSize = BinaryPrimitives.ReadUInt32LittleEndian(dib);
        if (dibSize is < 40 or > 1024 || FileHeaderSize + dibSize > file.Length)
            throw new ImageFormatException($"unsupported or truncated BMP info header of {dibSize} bytes", fileName);
        int width = BinaryPrimitives.ReadInt32LittleEndian(dib[4..]);
        int height = BinaryPrimitives.ReadInt32LittleEndian(dib[8..]);
        int bitCount = BinaryPrimitives.ReadUInt16LittleEndian(dib[14..]);
        uint compression = BinaryPrimitives.ReadUInt32LittleEndian(dib[16..]);
        uint colorsUsed = BinaryPrimitives.ReadUInt32LittleEndian(dib[32..]);
        if (width <= 0 || height == 0 || height == int.MinValue) throw new ImageFormatException($"invalid BMP size {width}x{height}", fileName);
        if (bitCount is not (8 or 24 or 32)) throw new ImageFormatException($"unsupported BMP bit count {bitCount} (8, 24 and 32 are supported)", fileName);
        bool bitfields = compression is BiBitfields or BiAlphaBitfields;
        if (!(compression == BiRgb || (bitfields && bitCount == 32)))
            throw new ImageFormatException($"unsupported BMP compression {compression} for {bitCount}-bit", fileName);
        int tail = FileHeaderSize + (int)dibSize;
        uint[] masks = bitfields ? ReadMasks(file, dibSize, compression, ref tail, fileName) : [];
        int entries = bitCount == 8 ? (int)(colorsUsed == 0 ? 256 : Math.Min(colorsUsed, 256u)) : 0;
        if (tail + 4L * entries > file.Length) throw new ImageFormatException("truncated BMP palette", fileName);
        if (pixelOffset < tail + 4L * entries || pixelOffset > file.Length) throw new ImageFormatException($"invalid BMP pixel offset {pixelOffset}", fileName);
        return new BmpHeader(width, Math.Abs(height), height < 0, bitCount, (int)pixelOffset, masks, tail, entries);
    }

    // masks live inside a V2+ header, or as 3 (4 for ALPHABITFIELDS) words after a 40-byte header → R, G, B, A masks
    private static uint[] ReadMasks(ReadOnlySpan<byte> file, uint dibSize, uint compression, ref int tail, string? fileName)
    {
        int count = dibSize >= 56 || compression == BiAlphaBitfields ? 4 : 3;
        int at = FileHeaderSize + 40;
        if (dibSize == 40) tail += 4 * count;
        if (at + 4 * count > file.Length) throw new ImageFormatException("truncated BMP bit masks", fileName);
        var masks = new uint[4];
        for (int i = 0; i < count; i++) masks[i] = BinaryPrimitives.ReadUInt32LittleEndian(file[(at + 4 * i)..]);
        return masks;
    }
}
