using System.Buffers.Binary;
using System.Text;

namespace FaceParse.Imaging.Netpbm;

/// <summary>Binary Netpbm encoder: gray → P5, RGB → P6, gray+alpha / RGBA (or any image when asked) → P7 PAM.</summary>
public static class PnmEncoder
{
    /// <summary>8-bit image, maxval 255.</summary>
    public static byte[] Encode(Image image, bool forcePam = false) =>
        Write(image.Width, image.Height, image.Channels, 255, forcePam, image.Pixels);

    /// <summary>16-bit image, maxval 65535, big-endian samples.</summary>
    public static byte[] Encode(Image16 image, bool forcePam = false)
    {
        var raster = new byte[image.Samples.Length * 2];
        for (int i = 0; i < image.Samples.Length; i++) BinaryPrimitives.WriteUInt16BigEndian(raster.AsSpan(2 * i), image.Samples[i]);
        return Write(image.Width, image.Height, image.Channels, 65535, forcePam, raster);
    }

    private static byte[] Write(int width, int height, int channels, int maxValue, bool forcePam, ReadOnlySpan<byte> raster)
    {
        string header = forcePam || channels is 2 or 4
            ? $"P7\nWIDTH {width}\nHEIGHT {height}\nDEPTH {channels}\nMAXVAL {maxValue}\nTUPLTYPE {TupleType(channels)}\nENDHDR\n"
            : $"{(channels == 1 ? "P5" : "P6")}\n{width} {height}\n{maxValue}\n";
        var headerBytes = Encoding.ASCII.GetBytes(header);
        var output = new byte[headerBytes.Length + raster.Length];
        headerBytes.CopyTo(output, 0);
        raster.CopyTo(output.AsSpan(headerBytes.Length));
        return output;
    }

    private static string TupleType(int channels) => channels switch
    {
        1 => "GRAYSCALE",
        2 => "GRAYSCALE_ALPHA",
        3 => "RGB",
        _ => "RGB_ALPHA",
    };
}
