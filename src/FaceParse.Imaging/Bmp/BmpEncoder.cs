using System.Buffers.Binary;

namespace FaceParse.Imaging.Bmp;

/// <summary>BMP encoder: gray → 8-bit with a gray-ramp palette, palette images → 8-bit, RGB → 24-bit, gray+alpha/RGBA → 32-bit BI_BITFIELDS (BITMAPV4HEADER with an alpha mask).</summary>
public static class BmpEncoder
{
    private const int InfoHeaderSize = 40, V4HeaderSize = 108;

    public static byte[] Encode(Image image, bool topDown = false)
    {
        if (image.Channels == 1)
        {
            var ramp = new byte[768];
            for (int i = 0; i < 768; i++) ramp[i] = (byte)(i / 3);
            return Encode(new PaletteImage(image.Width, image.Height, image.Pixels, ramp), topDown);
        }
        bool alpha = image.Channels is 2 or 4;
        int bitCount = alpha ? 32 : 24;
        return Write(image.Width, image.Height, bitCount, topDown, [], (y, row) =>
        {
            var source = image.Row(y);
            for (int x = 0, s = 0; x < image.Width; x++, s += image.Channels)
            {
                bool gray = image.Channels == 2;
                var px = row.Slice(x * (bitCount / 8), bitCount / 8);
                (px[0], px[1], px[2]) = gray ? (source[s], source[s], source[s]) : (source[s + 2], source[s + 1], source[s]);
                if (alpha) px[3] = source[s + image.Channels - 1];
            }
        });
    }

    /// <summary>8-bit palette BMP; indices are stored as is. Palette alpha is not representable and is dropped.</summary>
    public static byte[] Encode(PaletteImage image, bool topDown = false)
    {
        int entries = image.Palette.Length / 3;
        var bgrx = new byte[4 * entries];
        for (int i = 0; i < entries; i++) (bgrx[4 * i], bgrx[4 * i + 1], bgrx[4 * i + 2]) = (image.Palette[3 * i + 2], image.Palette[3 * i + 1], image.Palette[3 * i]);
        return Write(image.Width, image.Height, 8, topDown, bgrx, (y, row) => image.Indices.AsSpan(y * image.Width, image.Width).CopyTo(row));
    }

    private delegate void RowWriter(int y, Span<byte> row);

    private static byte[] Write(int width, int height, int bitCount, bool topDown, byte[] palette, RowWriter writeRow)
    {
        int stride = (int)(((long)width * bitCount + 31) / 32 * 4);
        int dibSize = bitCount == 32 ? V4HeaderSize : InfoHeaderSize;
        int pixelOffset = BmpHeader.FileHeaderSize + dibSize + palette.Length;
        var file = new byte[pixelOffset + (long)stride * height];
        var span = file.AsSpan();
        span[0] = (byte)'B';
        span[1] = (byte)'M';
        BinaryPrimitives.WriteUInt32LittleEndian(span[2..], (uint)file.Length);
        BinaryPrimitives.WriteInt32LittleEndian(span[10..], pixelOffset);
        var dib = span[BmpHeader.FileHeaderSize..];
        BinaryPrimitives.WriteInt32LittleEndian(dib, dibSize);
        BinaryPrimitives.WriteInt32LittleEndian(dib[4..], width);
        BinaryPrimitives.WriteInt32LittleEndian(dib[8..], topDown ? -height : height);
        BinaryPrimitives.WriteUInt16LittleEndian(dib[12..], 1);
        BinaryPrimitives.WriteUInt16LittleEndian(dib[14..], (ushort)bitCount);
        BinaryPrimitives.WriteUInt32LittleEndian(dib[16..], bitCount == 32 ? BmpHeader.BiBitfields : BmpHeader.BiRgb);
        BinaryPrimitives.WriteInt32LittleEndian(dib[20..], stride * height);
        BinaryPrimitives.WriteInt32LittleEndian(dib[24..], 2835);
        BinaryPrimitives.WriteInt32LittleEndian(dib[28..], 2835);
        BinaryPrimitives.WriteInt32LittleEndian(dib[32..], palette.Length / 4);
        if (bitCount == 32)
        {
            uint[] masks = [0x00FF0000, 0x0000FF00, 0x000000FF, 0xFF000000, 0x73524742]; // R, G, B, A, colour space 'sRGB'
            for (int i = 0; i < masks.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(dib[(40 + 4 * i)..], masks[i]);
        }
        palette.CopyTo(span[(BmpHeader.FileHeaderSize + dibSize)..]);
        for (int y = 0; y < height; y++)
        {
            int fileRow = topDown ? y : height - 1 - y;
            writeRow(y, span.Slice(pixelOffset + fileRow * stride, stride));
        }
        return file;
    }
}
