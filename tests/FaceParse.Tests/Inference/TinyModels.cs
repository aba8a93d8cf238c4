using FaceParse.Imaging;
using FaceParse.Inference;
using FaceParse.Labels;

namespace FaceParse.Tests.Inference;

/// <summary>Small seeded models and photos for the inference tests (fp-liif-tiny at 32×32 runs in milliseconds).</summary>
internal static class TinyModels
{
    public const int InputSize = 32;

    public static SegmentationModel Create(int seed = 5, LabelSet? labels = null) =>
        SegmentationModel.CreateNew("fp-liif-tiny", labels ?? LabelSets.LaPa, InputSize, seed, name: $"tiny-{seed}");

    /// <summary>A tiny model whose background logit is pushed far down, so every pixel gets a non-background class.</summary>
    public static SegmentationModel CreateWithoutBackground(int seed = 5)
    {
        var model = Create(seed);
        int classes = model.Labels.Count;
        var outputBias = model.Module.NamedParameters()
            .Last(p => p.Key.StartsWith("decoder.mlp.", StringComparison.Ordinal) && p.Key.EndsWith(".bias", StringComparison.Ordinal)).Value;
        Assert.Equal(classes, outputBias.Count);
        outputBias.Span[0] -= 1000f;
        return model;
    }

    /// <summary>Saves a tiny model as <c>&lt;folder&gt;/&lt;stem&gt;.safetensors</c> and returns the path.</summary>
    public static string Save(string folder, string stem = "tiny", int seed = 5)
    {
        string path = Path.Combine(folder, stem + ModelRegistry.Extension);
        Create(seed).Save(path, notes: "tiny test model");
        return path;
    }

    /// <summary>A seeded RGB photo with smooth gradients and a bright disc (something for the network to respond to).</summary>
    public static Image Photo(int width, int height, int seed = 1)
    {
        var rng = new Random(seed);
        var image = new Image(width, height, 3);
        int cx = rng.Next(width), cy = rng.Next(height), r = Math.Max(2, Math.Min(width, height) / 4);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                bool disc = (x - cx) * (x - cx) + (y - cy) * (y - cy) < r * r;
                int o = (y * width + x) * 3;
                image.Pixels[o] = (byte)(disc ? 230 : 255 * x / width);
                image.Pixels[o + 1] = (byte)(disc ? 190 : 255 * y / height);
                image.Pixels[o + 2] = (byte)rng.Next(60, 120);
            }
        return image;
    }
}
