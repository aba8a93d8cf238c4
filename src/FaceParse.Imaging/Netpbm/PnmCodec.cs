using System.Buffers.Binary;
using System.Text;

namespace FaceParse.Imaging.Netpbm;

/// <summary>Binary Netpbm decoder: PGM (P5), PPM (P6) and PAM (P7: GRAYSCALE, GRAYSCALE_ALPHA, RGB, RGB_ALPHA).</summary>
/// <remarks>maxval 255 and 65535 are read as is; other maxvals are rescaled (rounded) to 255 or 65535.
/// Samples wider than a byte are big-endian; the result then also carries <see cref="DecodedImage.Image16"/>.</remarks>
public static class PnmDecoder
{
    /// <summary>True for the magic of a binary PGM, PPM or PAM file.</summary>
    public static bool IsPnm(ReadOnlySpan<byte> header) =>
        header.Length >= 2 && header[0] == 'P' && header[1] is (byte)'5' or (byte)'6' or (byte)'7';

    public static ImageInfo ReadInfo(ReadOnlySpan<byte> file, string? fileName = null) => PnmHeader.Parse(file, fileName).ToInfo();

    public static DecodedImage Decode(ReadOnlySpan<byte> file, ImageDecodeOptions? options = null, string? fileName = null)
    {
        var header = PnmHeader.Parse(file, fileName);
        (options ?? ImageDecodeOptions.Default).CheckSize(header.Width, header.Height, fileName);
        long count = (long)header.Width * header.Height * header.Depth;
        var raster = file[header.RasterOffset..];
        if (raster.Length < count * header.BytesPerSample)
            throw new ImageFormatException($"truncated raster: {raster.Length} bytes, need {count * header.BytesPerSample}", fileName);
        var info = header.ToInfo();
        if (header.BytesPerSample == 1)
        {
            var pixels = raster[..(int)count].ToArray();
            Rescale(pixels, header.MaxValue, 255, fileName);
            return new DecodedImage(info, new Image(header.Width, header.Height, header.Depth, pixels));
        }
        var samples = new ushort[count];
        for (int i = 0; i < samples.Length; i++) samples[i] = BinaryPrimitives.ReadUInt16BigEndian(raster[(2 * i)..]);
        Rescale(samples, header.MaxValue, 65535, fileName);
        var image16 = new Image16(header.Width, header.Height, header.Depth, samples);
        return new DecodedImage(info, image16);
    }

    // samples[n] in 0..maxValue → samples[n] in 0..fullScale (rounded); throws for samples above maxValue
    private static void Rescale<T>(Span<T> samples, int maxValue, int fullScale, string? fileName) where T : System.Numerics.IBinaryInteger<T>
    {
        foreach (ref T sample in samples)
        {
            int v = int.CreateTruncating(sample);
            if (v > maxValue) throw new ImageFormatException($"sample {v} exceeds maxval {maxValue}", fileName);
            if (maxValue != fullScale) sample = T.CreateTruncating((v * (long)fullScale + maxValue / 2) / maxValue);
        }
    }
}

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
