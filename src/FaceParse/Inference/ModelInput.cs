using FaceParse.Imaging;
using FaceParse.Imaging.Geometry;
using FaceParse.Labels;
using FaceParse.Tensors;

namespace FaceParse.Inference;

/// <summary>The one preprocessing path of inference and evaluation: a photo becomes the network input.</summary>
internal static class ModelInput
{
    /// <summary>RGB (gray replicated, alpha dropped), resized bicubic to size × size unless it already is, as [1, 3, size, size]
    /// with values v/255 in [0, 1]; each architecture normalises inside its network.</summary>
    // photo [H, W, C] bytes → [1, 3, size, size]
    public static Tensor FromPhoto(Image photo, int size)
    {
        ArgumentNullException.ThrowIfNull(photo);
        if (size < 1) throw new ArgumentOutOfRangeException(nameof(size), $"Input size must be positive, got {size}.");
        var rgb = photo.ToChannels(3);
        if (rgb.Width != size || rgb.Height != size) rgb = Resize.Apply(rgb, size, size, ResizeMode.Bicubic);
        int plane = size * size;
        var tensor = Tensor.Empty(1, 3, size, size);
        var values = tensor.Span;
        var pixels = rgb.Pixels;
        for (int i = 0; i < plane; i++)
        {
            values[i] = pixels[3 * i] / 255f;
            values[plane + i] = pixels[3 * i + 1] / 255f;
            values[2 * plane + i] = pixels[3 * i + 2] / 255f;
        }
        return tensor;
    }
}

/// <summary>The one logits → labels path of inference and evaluation: arg-max over classes, then (optionally) a mapping to
/// another label set.</summary>
internal static class LabelDecoding
{
    /// <summary>Class id of the largest logit per pixel (the first on ties, as torch.argmax), row-major.</summary>
    // logits [1, K, H, W] → ids [H·W]
    public static byte[] ArgMax(Tensor logits)
    {
        ArgumentNullException.ThrowIfNull(logits);
        if (logits.Rank != 4 || logits.Dim(0) != 1 || logits.Dim(1) > 256)
            throw new ArgumentException($"Logits {Shapes.Format(logits.Shape)} must be [1, K ≤ 256, H, W].");
        var ids = logits.ArgMax(1).Data;
        var bytes = new byte[ids.Length];
        for (int i = 0; i < ids.Length; i++) bytes[i] = (byte)ids[i];
        return bytes;
    }

    /// <summary>Class ids of one photo at outH × outW, in the model's label set or, with <paramref name="mapping"/>, in its
    /// target set.</summary>
    public static byte[] Predict(SegmentationModel model, Image photo, int side, int outH, int outW, LabelMapping? mapping = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        byte[] ids;
        using (new TensorScope()) ids = ArgMax(model.PhotoLogits(photo, side, outH, outW));
        mapping?.ApplyInPlace(ids);
        return ids;
    }
}
