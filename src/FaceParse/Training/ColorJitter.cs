using FaceParse.Imaging;

namespace FaceParse.Training;

/// <summary>Drawn colour-jitter factors (1 = unchanged; hue 0 = unchanged).</summary>
internal readonly record struct ColorJitterParams(double Brightness, double Contrast, double Saturation, double Hue)
{
    public static ColorJitterParams Identity => new(1, 1, 1, 0);

    public bool IsIdentity => Brightness == 1 && Contrast == 1 && Saturation == 1 && Hue == 0;

    /// <summary>Draws the four factors from <paramref name="options"/> (a disabled jitter draws nothing).</summary>
    public static ColorJitterParams Draw(AugmentOptions options, Xoshiro256 rng) => new(
        rng.Uniform(1 - options.Brightness, 1 + options.Brightness),
        rng.Uniform(1 - options.Contrast, 1 + options.Contrast),
        rng.Uniform(1 - options.Saturation, 1 + options.Saturation),
        rng.Uniform(-options.Hue, options.Hue));
}

/// <summary>Photometric jitter of 8-bit images, torchvision-style: brightness (scale), contrast (blend with the mean gray),
/// saturation (blend with the pixel's gray), hue (rotation in HSV), in that order, clamped to [0, 255] after each step.</summary>
/// <remarks>Gray is ITU-R 601 luma (0.299 R + 0.587 G + 0.114 B). Gray images get brightness and contrast only; an alpha
/// channel is left unchanged.</remarks>
internal static class ColorJitter
{
    /// <summary>Applies <paramref name="p"/> to <paramref name="image"/> in place.</summary>
    public static void Apply(Image image, ColorJitterParams p)
    {
        if (p.IsIdentity) return;
        int colour = image.Channels >= 3 ? 3 : 1, n = image.Width * image.Height, channels = image.Channels;
        var px = image.Pixels;
        var work = new float[n * colour];
        for (int i = 0; i < n; i++)
            for (int c = 0; c < colour; c++) work[i * colour + c] = px[i * channels + c];

        if (p.Brightness != 1) Blend(work, (float)p.Brightness, 0f);
        if (p.Contrast != 1) Blend(work, (float)p.Contrast, MeanGray(work, colour));
        if (colour == 3 && p.Saturation != 1) Saturate(work, (float)p.Saturation);
        if (colour == 3 && p.Hue != 0) ShiftHue(work, (float)p.Hue);

        for (int i = 0; i < n; i++)
            for (int c = 0; c < colour; c++) px[i * channels + c] = (byte)MathF.Round(work[i * colour + c]);
    }

    // v ← clamp(factor·v + (1 − factor)·towards)
    private static void Blend(Span<float> values, float factor, float towards)
    {
        for (int i = 0; i < values.Length; i++) values[i] = Math.Clamp(factor * values[i] + (1 - factor) * towards, 0f, 255f);
    }

    private static float Gray(float r, float g, float b) => 0.299f * r + 0.587f * g + 0.114f * b;

    private static float MeanGray(ReadOnlySpan<float> values, int colour)
    {
        double sum = 0;
        int n = values.Length / colour;
        for (int i = 0; i < n; i++) sum += colour == 3 ? Gray(values[3 * i], values[3 * i + 1], values[3 * i + 2]) : values[i];
        return (float)(sum / n);
    }

    private static void Saturate(Span<float> rgb, float factor)
    {
        for (int i = 0; i < rgb.Length; i += 3)
        {
            float gray = Gray(rgb[i], rgb[i + 1], rgb[i + 2]);
            for (int c = 0; c < 3; c++) rgb[i + c] = Math.Clamp(factor * rgb[i + c] + (1 - factor) * gray, 0f, 255f);
        }
    }

    // RGB → HSV, h += shift (turns, wrapped), → RGB
    private static void ShiftHue(Span<float> rgb, float shift)
    {
        for (int i = 0; i < rgb.Length; i += 3)
        {
            float r = rgb[i], g = rgb[i + 1], b = rgb[i + 2];
            float max = MathF.Max(r, MathF.Max(g, b)), min = MathF.Min(r, MathF.Min(g, b)), delta = max - min;
            if (delta <= 0) continue; // gray: hue undefined, nothing to rotate
            float h = max == r ? (g - b) / delta : max == g ? 2 + (b - r) / delta : 4 + (r - g) / delta;
            h = h / 6 + shift;
            h -= MathF.Floor(h);
            float s = delta / max;
            (rgb[i], rgb[i + 1], rgb[i + 2]) = FromHsv(h, s, max);
        }
    }

    private static (float R, float G, float B) FromHsv(float h, float s, float v)
    {
        float sector = h * 6;
        int k = Math.Min((int)sector, 5);
        float f = sector - k, p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
        return k switch
        {
            0 => (v, t, p),
            1 => (q, v, p),
            2 => (p, v, t),
            3 => (p, q, v),
            4 => (t, p, v),
            _ => (v, p, q),
        };
    }
}
