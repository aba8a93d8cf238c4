using FaceParse.Imaging;

namespace FaceParse.Tests.Detection;

/// <summary>Pillow's <c>Image.resize(size, Image.BILINEAR)</c> for 8-bit images, written from Pillow's documented
/// algorithm (Resample.c): a triangle filter whose support grows with the downscale factor (antialiasing), coefficients in
/// 22-bit fixed point, a horizontal pass rounded to 8 bits, then a vertical pass. facenet-pytorch's <c>extract_face</c> uses
/// it to turn the detected box into the saved 160×160 crops, so the test needs it to reproduce them.</summary>
internal static class PilResize
{
    private const int PrecisionBits = 32 - 8 - 2;

    public static Image Bilinear(Image source, int width, int height)
    {
        var horizontal = Pass(source, width, horizontalPass: true);
        return Pass(horizontal, height, horizontalPass: false);
    }

    private static Image Pass(Image source, int outSize, bool horizontalPass)
    {
        int inSize = horizontalPass ? source.Width : source.Height;
        if (inSize == outSize) return source;
        var (bounds, coefficients, taps) = Coefficients(inSize, outSize);
        int ch = source.Channels;
        var result = horizontalPass ? new Image(outSize, source.Height, ch) : new Image(source.Width, outSize, ch);
        int lines = horizontalPass ? source.Height : source.Width;
        for (int line = 0; line < lines; line++)
            for (int o = 0; o < outSize; o++)
            {
                int min = bounds[2 * o], count = bounds[2 * o + 1];
                for (int c = 0; c < ch; c++)
                {
                    long sum = 1L << (PrecisionBits - 1);
                    for (int t = 0; t < count; t++)
                    {
                        int i = min + t;
                        byte v = horizontalPass ? source.Pixels[(line * source.Width + i) * ch + c] : source.Pixels[(i * source.Width + line) * ch + c];
                        sum += v * (long)coefficients[o * taps + t];
                    }
                    byte value = (byte)Math.Clamp(sum >> PrecisionBits, 0, 255);
                    if (horizontalPass) result.Pixels[(line * outSize + o) * ch + c] = value;
                    else result.Pixels[(o * source.Width + line) * ch + c] = value;
                }
            }
        return result;
    }

    // Pillow's precompute_coeffs + normalize_coeffs_8bpc for the bilinear (triangle, support 1) filter
    private static (int[] Bounds, int[] Coefficients, int Taps) Coefficients(int inSize, int outSize)
    {
        double scale = (double)inSize / outSize, filterScale = Math.Max(scale, 1.0), support = filterScale;
        int taps = (int)Math.Ceiling(support) * 2 + 1;
        var bounds = new int[2 * outSize];
        var coefficients = new int[outSize * taps];
        var k = new double[taps];
        for (int o = 0; o < outSize; o++)
        {
            double center = (o + 0.5) * scale, total = 0, ss = 1.0 / filterScale;
            int xmin = Math.Max((int)(center - support + 0.5), 0);
            int xmax = Math.Min((int)(center + support + 0.5), inSize) - xmin;
            for (int x = 0; x < xmax; x++)
            {
                double d = Math.Abs((x + xmin - center + 0.5) * ss);
                k[x] = d < 1 ? 1 - d : 0;
                total += k[x];
            }
            for (int x = 0; x < xmax; x++)
            {
                double w = total != 0 ? k[x] / total : k[x];
                coefficients[o * taps + x] = (int)(w < 0 ? w * (1 << PrecisionBits) - 0.5 : w * (1 << PrecisionBits) + 0.5);
            }
            bounds[2 * o] = xmin;
            bounds[2 * o + 1] = xmax;
        }
        return (bounds, coefficients, taps);
    }
}
