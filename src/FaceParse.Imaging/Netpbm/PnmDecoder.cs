using System.Buffers.Binary;

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
        var image = new Image(header.Width, header.Height, header.Depth, [.. samples.Select(s => (byte)(s >> 8))]);
        return new DecodedImage(info, image, new Image16(header.Width, header.Height, header.Depth, samples));
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
