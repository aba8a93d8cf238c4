namespace FaceParse.Imaging.Tests;

/// <summary>Conversions to canonical RGBA and exact comparisons used across the codec tests.</summary>
public static class PixelAssert
{
    // samples[n·channels] (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA) → RGBA[n·4], alpha = opaque when absent
    public static T[] ToRgba<T>(T[] samples, int channels, T opaque)
    {
        int n = samples.Length / channels;
        var rgba = new T[n * 4];
        for (int i = 0; i < n; i++)
        {
            var s = samples.AsSpan(i * channels, channels);
            bool gray = channels <= 2;
            rgba[4 * i] = s[0];
            rgba[4 * i + 1] = gray ? s[0] : s[1];
            rgba[4 * i + 2] = gray ? s[0] : s[2];
            rgba[4 * i + 3] = channels is 2 or 4 ? s[channels - 1] : opaque;
        }
        return rgba;
    }

    public static void Equal<T>(T[] expected, T[] actual, int width, int channels, string what) where T : IEquatable<T>
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (!expected[i].Equals(actual[i]))
            {
                int pixel = i / channels;
                Assert.Fail($"{what}: first difference at x={pixel % width}, y={pixel / width}, channel {i % channels}: expected {expected[i]}, got {actual[i]}");
            }
        }
    }

    public static void SameImage(Image expected, Image actual)
    {
        Assert.Equal((expected.Width, expected.Height, expected.Channels), (actual.Width, actual.Height, actual.Channels));
        Equal(expected.Pixels, actual.Pixels, expected.Width, expected.Channels, "pixels");
    }

    /// <summary>Largest absolute difference and the worst per-channel mean absolute difference (asserts the shapes agree).</summary>
    public static (int Max, double Mean) Difference(Image expected, Image actual)
    {
        Assert.Equal((expected.Width, expected.Height, expected.Channels), (actual.Width, actual.Height, actual.Channels));
        int max = 0;
        var sums = new long[expected.Channels];
        for (int i = 0; i < expected.Pixels.Length; i++)
        {
            int diff = Math.Abs(expected.Pixels[i] - actual.Pixels[i]);
            max = Math.Max(max, diff);
            sums[i % expected.Channels] += diff;
        }
        return (max, sums.Max() / (double)(expected.Width * expected.Height));
    }
}
