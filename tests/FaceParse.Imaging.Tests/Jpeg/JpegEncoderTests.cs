using FaceParse.Imaging.Jpeg;
using FaceParse.Imaging.Netpbm;

namespace FaceParse.Imaging.Tests.Jpeg;

/// <summary>Encoder: round trips through our decoder, determinism, header facts, and djpeg agreement when available.</summary>
public class JpegEncoderTests(ITestOutputHelper output)
{
    /// <summary>Smooth colour gradients with a soft disc: w x h, channels 1..4 (alpha, when present, varies).</summary>
    private static Image Synthetic(int w, int h, int channels)
    {
        var image = new Image(w, h, channels);
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                double dx = x - w * 0.4, dy = y - h * 0.6, disc = Math.Exp(-(dx * dx + dy * dy) / (0.05 * w * h));
                byte r = (byte)(40 + 150.0 * x / w + 60 * disc), g = (byte)(60 + 120.0 * y / h), b = (byte)(200 - 120.0 * disc);
                var px = image.Pixels.AsSpan((y * w + x) * channels, channels);
                if (channels <= 2) px[0] = (byte)((r + g + b) / 3);
                else { px[0] = r; px[1] = g; px[2] = b; }
                if (channels is 2 or 4) px[^1] = (byte)(x * 255 / w);
            }
        }
        return image;
    }

    /// <summary>PSNR over the colour/gray channels of a (alpha dropped) against b.</summary>
    private static double Psnr(Image a, Image b)
    {
        int ca = a.Channels is 2 or 4 ? a.Channels - 1 : a.Channels;
        Assert.Equal((a.Width, a.Height, ca), (b.Width, b.Height, b.Channels));
        double se = 0;
        for (int i = 0; i < a.Width * a.Height; i++)
            for (int c = 0; c < ca; c++)
            {
                double d = a.Pixels[i * a.Channels + c] - b.Pixels[i * ca + c];
                se += d * d;
            }
        double mse = se / (a.Width * a.Height * ca);
        return mse == 0 ? 99 : 10 * Math.Log10(255 * 255 / mse);
    }

    [Theory]
    [InlineData(256, 192, 3, JpegSubsampling.S420)]
    [InlineData(256, 192, 3, JpegSubsampling.S444)]
    [InlineData(37, 23, 3, JpegSubsampling.S420)]
    [InlineData(101, 67, 4, JpegSubsampling.S420)]
    [InlineData(64, 48, 1, JpegSubsampling.S420)]
    [InlineData(33, 17, 2, JpegSubsampling.S444)]
    public void RoundTripIsAccurate(int w, int h, int channels, JpegSubsampling subsampling)
    {
        var src = Synthetic(w, h, channels);
        byte[] jpeg = JpegEncoder.Encode(src, 90, subsampling);
        var info = JpegDecoder.ReadInfo(jpeg);
        Assert.Equal((w, h, channels <= 2 ? 1 : 3, false), (info.Width, info.Height, info.Components, info.Progressive));
        if (channels > 2) Assert.StartsWith(subsampling == JpegSubsampling.S420 ? "4:2:0" : "4:4:4", info.Subsampling);
        double psnr = Psnr(src, JpegDecoder.Decode(jpeg));
        output.WriteLine($"{jpeg.Length} bytes, PSNR {psnr:F2} dB");
        Assert.True(psnr >= 35, $"PSNR {psnr:F2} dB < 35 dB");
    }

    [Fact]
    public void OutputIsDeterministicAndQualityMatters()
    {
        var src = Synthetic(120, 80, 3);
        Assert.Equal(JpegEncoder.Encode(src), JpegEncoder.Encode(src));
        Assert.True(JpegEncoder.Encode(src, 30).Length < JpegEncoder.Encode(src, 95).Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => JpegEncoder.Encode(src, 0));
    }

    [Theory]
    [InlineData(3, JpegSubsampling.S420)]
    [InlineData(3, JpegSubsampling.S444)]
    [InlineData(1, JpegSubsampling.S420)]
    public void DjpegDecodesOurFilesLikeWeDo(int channels, JpegSubsampling subsampling)
    {
        byte[] jpeg = JpegEncoder.Encode(Synthetic(131, 77, channels), 90, subsampling);
        var reference = PnmDecoder.Decode(ExternalTools.Run("djpeg", "-pnm", jpeg)).Image;
        var (max, mean) = PixelAssert.Difference(reference, JpegDecoder.Decode(jpeg));
        output.WriteLine($"ours vs djpeg: max {max}, mean {mean:F4}");
        Assert.True(max <= 3 && mean <= 0.5, $"max {max}, mean {mean:F4}");
    }

}
