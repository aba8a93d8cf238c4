using System.Buffers.Binary;

namespace FaceParse.Server;

/// <summary>Whether a JPEG upload arrived whole. The library decodes a JPEG whose scan data stops early (like libjpeg, filling
/// the rest with gray), which suits files on disk; a server should instead tell the client its upload was cut off.</summary>
internal static class JpegCompleteness
{
    /// <summary>True when the bytes hold an end-of-image marker (FF D9) after the first start-of-scan segment. Entropy-coded data
    /// byte-stuffs every FF, so an FF D9 there is the real marker; data appended after it (e.g. motion-photo videos) is allowed.
    /// Segments before the first scan are walked by their lengths, so an EXIF thumbnail's own FF D9 does not count.</summary>
    public static bool IsComplete(ReadOnlySpan<byte> data)
    {
        int i = 2; // after SOI
        while (i + 4 <= data.Length)
        {
            if (data[i] != 0xFF) return false;
            byte marker = data[i + 1];
            if (marker == 0xFF) { i++; continue; } // fill byte
            if (marker is 0xD8 or (>= 0xD0 and <= 0xD7) or 0x01) { i += 2; continue; } // no length
            if (marker == 0xD9) return false; // EOI before any scan
            int length = BinaryPrimitives.ReadUInt16BigEndian(data[(i + 2)..]);
            if (length < 2) return false;
            i += 2 + length;
            if (marker == 0xDA) return i <= data.Length && data[Math.Min(i, data.Length)..].IndexOf([(byte)0xFF, (byte)0xD9]) >= 0;
        }
        return false;
    }
}
