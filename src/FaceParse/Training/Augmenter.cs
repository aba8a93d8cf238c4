using FaceParse.Data;
using FaceParse.Imaging;
using FaceParse.Imaging.Geometry;
using FaceParse.Labels;

namespace FaceParse.Training;

/// <summary>One sample's drawn augmentation: rotation (degrees, counter-clockwise as displayed), zoom, shift in output pixels,
/// flip, colour jitter.</summary>
internal readonly record struct AugmentDraw(double Degrees, double Scale, double ShiftX, double ShiftY, bool Flip, ColorJitterParams Color)
{
    public static AugmentDraw Identity => new(0, 1, 0, 0, false, ColorJitterParams.Identity);

    /// <summary>True when no rotation, zoom or shift was drawn (the geometry is a plain resize).</summary>
    public bool IsPlainResize => Degrees == 0 && Scale == 1 && ShiftX == 0 && ShiftY == 0;
}

/// <summary>An augmented image/label pair at the augmenter's output size.</summary>
internal sealed record AugmentedSample(Image Image, LabelMap Labels, AugmentDraw Draw);

/// <summary>Random training augmentation of (image, label map) pairs to a fixed output size (see <see cref="AugmentOptions"/>).</summary>
/// <remarks>
/// Geometry is ONE affine per sample: resize of the source to the output size (pixel-centre aligned, as
/// <c>F.interpolate(align_corners=False)</c>), then rotation and zoom about the output centre, then the shift. The image is
/// warped with bilinear sampling, the labels with nearest (so they only ever contain input values and the outside fill).
/// Image and mask may differ in size (official CelebAMask-HQ: 1024² photos, 512² masks); each gets its own resize term.
/// When no rotation/zoom/shift is drawn, a plain <see cref="Resize"/> is used instead (image: <see cref="AugmentOptions.PlainResizeMode"/>,
/// labels: nearest), so <see cref="AugmentOptions.None"/> is exactly the evaluation-time resize.
/// A flip mirrors both after the geometry and swaps left/right classes with <see cref="LabelSet.FlipLut"/>; colour jitter
/// touches the image only. Draws come from the given <see cref="Xoshiro256"/> in a fixed order, so the result is a pure
/// function of its state (use <see cref="Xoshiro256.ForSample"/> for thread-independent reproducibility).
/// </remarks>
internal sealed class Augmenter
{
    public Augmenter(LabelSet labels, AugmentOptions options, int width, int height)
    {
        Labels = labels ?? throw new ArgumentNullException(nameof(labels));
        Options = options ?? throw new ArgumentNullException(nameof(options));
        options.Validate();
        (Width, Height) = width >= 1 && height >= 1 ? (width, height)
            : throw new ArgumentOutOfRangeException(nameof(width), $"Output size must be positive, got {width}x{height}.");
    }

    public LabelSet Labels { get; }
    public AugmentOptions Options { get; }
    public int Width { get; }
    public int Height { get; }

    /// <summary>Draws this sample's parameters (rotation, zoom, shift x, shift y, flip, jitter — in this order).</summary>
    public AugmentDraw Draw(Xoshiro256 rng)
    {
        var o = Options;
        double degrees = rng.Uniform(-o.RotationDegrees, o.RotationDegrees);
        double scale = rng.Uniform(o.ScaleMin, o.ScaleMax);
        double shiftX = rng.Uniform(-o.TranslateFraction, o.TranslateFraction) * Width;
        double shiftY = rng.Uniform(-o.TranslateFraction, o.TranslateFraction) * Height;
        bool flip = o.FlipProbability > 0 && rng.NextDouble() < o.FlipProbability;
        return new AugmentDraw(degrees, scale, shiftX, shiftY, flip, ColorJitterParams.Draw(o, rng));
    }

    /// <summary>Draws parameters from <paramref name="rng"/> and applies them.</summary>
    public AugmentedSample Apply(Image image, LabelMap labels, Xoshiro256 rng) => Apply(image, labels, Draw(rng));

    /// <summary>Applies given parameters; the inputs are not modified.</summary>
    public AugmentedSample Apply(Image image, LabelMap labels, AugmentDraw draw)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(labels);
        Image outImage;
        byte[] outLabels;
        if (draw.IsPlainResize)
        {
            outImage = image.Width == Width && image.Height == Height ? image.Clone() : Resize.Apply(image, Width, Height, Options.PlainResizeMode);
            outLabels = Resize.Labels(labels.Labels, labels.Width, labels.Height, Width, Height);
        }
        else
        {
            outImage = Warp.Affine(image, SourceToOutput(image.Width, image.Height, draw), Width, Height, WarpInterpolation.Bilinear, Options.ImageFill);
            outLabels = Warp.Labels(labels.Labels, labels.Width, labels.Height, SourceToOutput(labels.Width, labels.Height, draw),
                Width, Height, Options.OutsideLabelValue);
        }
        if (draw.Flip)
        {
            outImage = Transforms.FlipHorizontal(outImage);
            var mirrored = new byte[outLabels.Length];
            Transforms.FlipHorizontal(outLabels, Width, Height, 1, mirrored);
            Labels.SwapSides(mirrored);
            outLabels = mirrored;
        }
        ColorJitter.Apply(outImage, draw.Color);
        return new AugmentedSample(outImage, new LabelMap(Width, Height, outLabels), draw);
    }

    /// <summary>The forward map from a <paramref name="sourceWidth"/>×<paramref name="sourceHeight"/> source to the output
    /// (integer pixel centres): pixel-centre-aligned resize, rotation and zoom about the output centre, shift.</summary>
    public AffineTransform SourceToOutput(int sourceWidth, int sourceHeight, AugmentDraw draw)
    {
        double sx = (double)Width / sourceWidth, sy = (double)Height / sourceHeight;
        var resize = AffineTransform.Scale(sx, sy).Then(AffineTransform.Translation(0.5 * sx - 0.5, 0.5 * sy - 0.5));
        var rotate = AffineTransform.Rotation(draw.Degrees, (Width - 1) / 2.0, (Height - 1) / 2.0, draw.Scale);
        return resize.Then(rotate).Then(AffineTransform.Translation(draw.ShiftX, draw.ShiftY));
    }
}
