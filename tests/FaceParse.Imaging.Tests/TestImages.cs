namespace FaceParse.Imaging.Tests;

/// <summary>Small deterministic test images: gradients plus seeded noise, odd sizes so rows have padding.</summary>
public static class TestImages
{
    public static Image Photo(int width, int height, int channels, int seed = 1)
    {
        var random = new Random(seed);
        var image = new Image(width, height, channels);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                for (int c = 0; c < channels; c++)
                    image.Pixels[(y * width + x) * channels + c] = (byte)(x * 7 + y * 3 * (c + 1) + random.Next(8));
        return image;
    }

    public static Image16 Photo16(int width, int height, int channels, int seed = 2)
    {
        var random = new Random(seed);
        var samples = new ushort[width * height * channels];
        for (int i = 0; i < samples.Length; i++) samples[i] = (ushort)(i * 131 + random.Next(65536));
        return new Image16(width, height, channels, samples);
    }

    /// <summary>A label map with blob-shaped regions of class ids 0..classes-1.</summary>
    public static byte[] Labels(int width, int height, int classes, int seed = 3)
    {
        var random = new Random(seed);
        var labels = new byte[width * height];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                labels[y * width + x] = (byte)((x / 5 + y / 4 + (random.Next(10) == 0 ? 1 : 0)) % classes);
        return labels;
    }

    public static byte[] LabelPaletteRgb(int classes) =>
        [.. Enumerable.Range(0, classes).SelectMany(i => new[] { (byte)(i * 37), (byte)(255 - i * 11), (byte)(i * 90) })];
}
