using System.Buffers.Binary;

namespace FaceParse.Imaging.Jpeg;

/// <summary>EXIF Orientation: reading tag 0x0112 from IFD0 of the TIFF structure in APP1, and applying it.</summary>
internal static class JpegExif
{
    /// <summary>Orientation 1..8 from a TIFF header + IFD0 ("II*\0" or "MM\0*"); 1 when absent or malformed.</summary>
    public static int ReadOrientation(ReadOnlySpan<byte> tiff)
    {
        if (tiff.Length < 8) return 1;
        bool little;
        if (tiff[0] == 'I' && tiff[1] == 'I') little = true;
        else if (tiff[0] == 'M' && tiff[1] == 'M') little = false;
        else return 1;
        if (U16(tiff[2..], little) != 42) return 1;
        uint ifd = U32(tiff[4..], little);
        if (ifd > (uint)tiff.Length - 2) return 1;
        int count = U16(tiff[(int)ifd..], little);
        for (int i = 0; i < count; i++)
        {
            long at = ifd + 2 + 12L * i;
            if (at + 12 > tiff.Length) return 1;
            var entry = tiff.Slice((int)at, 12);
            if (U16(entry, little) != 0x0112) continue;
            int type = U16(entry[2..], little);
            int value = type switch
            {
                3 => U16(entry[8..], little),          // SHORT
                4 => (int)Math.Min(U32(entry[8..], little), 9u), // LONG (non-standard but seen)
                _ => 1,
            };
            return value is >= 1 and <= 8 ? value : 1;
        }
        return 1;
    }

    private static int U16(ReadOnlySpan<byte> s, bool little) =>
        little ? BinaryPrimitives.ReadUInt16LittleEndian(s) : BinaryPrimitives.ReadUInt16BigEndian(s);

    private static uint U32(ReadOnlySpan<byte> s, bool little) =>
        little ? BinaryPrimitives.ReadUInt32LittleEndian(s) : BinaryPrimitives.ReadUInt32BigEndian(s);

    /// <summary>Returns the image displayed upright: 2 mirror-x, 3 rotate 180, 4 mirror-y, 5 transpose,
    /// 6 rotate 90° clockwise, 7 transverse, 8 rotate 90° counter-clockwise; 1 returns the input.</summary>
    public static Image Apply(Image src, int orientation)
    {
        if (orientation is < 2 or > 8) return src;
        int w = src.Width, h = src.Height, ch = src.Channels;
        bool swap = orientation >= 5;
        var dst = new Image(swap ? h : w, swap ? w : h, ch);
        int ow = dst.Width, oh = dst.Height;
        byte[] s = src.Pixels, d = dst.Pixels;
        for (int y = 0; y < oh; y++)
        {
            for (int x = 0; x < ow; x++)
            {
                (int sx, int sy) = orientation switch
                {
                    2 => (w - 1 - x, y),
                    3 => (w - 1 - x, h - 1 - y),
                    4 => (x, h - 1 - y),
                    5 => (y, x),
                    6 => (y, h - 1 - x),
                    7 => (w - 1 - y, h - 1 - x),
                    _ => (w - 1 - y, x),
                };
                int si = (sy * w + sx) * ch, di = (y * ow + x) * ch;
                for (int c = 0; c < ch; c++) d[di + c] = s[si + c];
            }
        }
        return dst;
    }
}
