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
        var paletteImage = new PaletteImage(header.Width, header.Height, indices, palette);
        if (grayRamp)
            return new DecodedImage(header.ToInfo() with { ColorModel = ImageColorModel.Gray }, new Image(header.Width, header.Height, 1, (byte[])indices.Clone()), palette: paletteImage);
        var rgb = new byte[indices.Length * 3];
        for (int i = 0; i < indices.Length; i++)
        {
            int index = indices[i];
            if (index < header.PaletteEntries) palette.AsSpan(3 * index, 3).CopyTo(rgb.AsSpan(3 * i));
        }
        return new DecodedImage(header.ToInfo(), new Image(header.Width, header.Height, 3, rgb), palette: paletteImage);
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
