using FaceParse.Data;
using FaceParse.Imaging;
using FaceParse.Tensors;

namespace FaceParse.Training;

/// <summary>Per-channel normalisation of [0, 1] RGB values: x ← (x − Mean[c]) / Std[c].</summary>
public sealed record Normalization(float[] Mean, float[] Std)
{
    /// <summary>ImageNet statistics (SPEC §5): mean 0.485/0.456/0.406, std 0.229/0.224/0.225.</summary>
    public static Normalization ImageNet { get; } = new([0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]);

    /// <summary>Plain [0, 1] scaling (mean 0, std 1).</summary>
    public static Normalization Unit { get; } = new([0f, 0f, 0f], [1f, 1f, 1f]);
}

/// <summary>A batch ready for a model: images [N, 3, H, W] float, labels [N, H, W] (class id or 255 = ignore), and which
/// dataset samples they came from.</summary>
internal sealed record TrainingBatch(Tensor Images, IntTensor Labels, int[] SampleIndices, string[] Stems)
{
    public int Count => SampleIndices.Length;
}

/// <summary>Converts images and label maps to model tensors.</summary>
/// <remarks>Gray images are replicated to three channels and an alpha channel is dropped, so every image becomes RGB.</remarks>
internal static class SampleBatcher
{
    // image [H, W, channels] bytes → destination [3, H, W] floats ((v/255 − mean[c]) / std[c])
    public static void WriteChw(Image image, Normalization norm, Span<float> destination)
    {
        int plane = image.Width * image.Height, channels = image.Channels;
        if (destination.Length < 3 * plane) throw new ArgumentException($"Destination holds {destination.Length} floats, need 3x{plane}.");
        if (norm.Mean.Length != 3 || norm.Std.Length != 3) throw new ArgumentException("Normalization needs 3 means and 3 stds.");
        var px = image.Pixels;
        for (int c = 0; c < 3; c++)
        {
            int source = channels >= 3 ? c : 0;
            float scale = 1f / (255f * norm.Std[c]), shift = norm.Mean[c] / norm.Std[c];
            var dst = destination.Slice(c * plane, plane);
            for (int i = 0; i < plane; i++) dst[i] = px[i * channels + source] * scale - shift;
        }
    }

    // images N × [H, W, channels] → [N, 3, H, W]; all images must share one size
    public static Tensor Images(IReadOnlyList<Image> images, Normalization norm)
    {
        if (images.Count == 0) throw new ArgumentException("A batch needs at least one image.");
        int w = images[0].Width, h = images[0].Height;
        var tensor = Tensor.Empty(images.Count, 3, h, w);
        var span = tensor.Span;
        for (int n = 0; n < images.Count; n++)
        {
            if (images[n].Width != w || images[n].Height != h)
                throw new ArgumentException($"Batch image {n} is {images[n].Width}x{images[n].Height}, expected {w}x{h} like image 0.");
            WriteChw(images[n], norm, span.Slice(n * 3 * h * w, 3 * h * w));
        }
        return tensor;
    }

    // label maps N × [H, W] → [N, H, W] ints
    public static IntTensor Labels(IReadOnlyList<LabelMap> maps)
    {
        if (maps.Count == 0) throw new ArgumentException("A batch needs at least one label map.");
        int w = maps[0].Width, h = maps[0].Height;
        var data = new int[maps.Count * h * w];
        for (int n = 0; n < maps.Count; n++)
        {
            if (maps[n].Width != w || maps[n].Height != h)
                throw new ArgumentException($"Batch label map {n} is {maps[n].Width}x{maps[n].Height}, expected {w}x{h} like map 0.");
            var labels = maps[n].Labels;
            for (int i = 0; i < labels.Length; i++) data[n * h * w + i] = labels[i];
        }
        return new IntTensor(data, maps.Count, h, w);
    }

    /// <summary>Stacks augmented samples into a <see cref="TrainingBatch"/>.</summary>
    public static TrainingBatch Batch(IReadOnlyList<AugmentedSample> samples, Normalization norm, int[] sampleIndices, string[] stems) =>
        new(Images([.. samples.Select(s => s.Image)], norm), Labels([.. samples.Select(s => s.Labels)]), sampleIndices, stems);
}
