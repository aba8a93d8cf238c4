using FaceParse.Imaging.Geometry;
using FaceParse.Labels;

namespace FaceParse.Training;

/// <summary>What label pixels that the random affine brings in from outside the source get.</summary>
public enum OutsideLabel
{
    /// <summary><see cref="LabelSet.IgnoreLabel"/> (255): the loss and metrics skip those pixels (default).</summary>
    Ignore,
    /// <summary>Class 0, background.</summary>
    Background,
}

/// <summary>Random training augmentation, applied per sample by <see cref="Augmenter"/>.</summary>
/// <remarks>
/// Neither FP-LIIF nor SegFace publish an augmentation recipe (SPEC §4, §5: SegFace's official code only resizes), so these
/// defaults are our choice, kept mild so that labels stay plausible: rotation ±10°, scale 0.9–1.1, translation ±5 % of the
/// output size, horizontal flip with probability 0.5 (left/right classes swapped through the label set's flip LUT), brightness,
/// contrast and saturation factors in [1 − 0.2, 1 + 0.2] and a hue shift of ±0.02 turn (torchvision ColorJitter conventions,
/// applied in that fixed order). <see cref="None"/> turns everything off, which reduces <see cref="Augmenter"/> to a plain resize.
/// </remarks>
public sealed record AugmentOptions
{
    /// <summary>Rotation angle drawn uniformly from ±this many degrees.</summary>
    public double RotationDegrees { get; init; } = 10;
    /// <summary>Isotropic zoom factor drawn uniformly from [Min, Max]; above 1 enlarges the face.</summary>
    public double ScaleMin { get; init; } = 0.9;
    public double ScaleMax { get; init; } = 1.1;
    /// <summary>Shift drawn uniformly from ±this fraction of the output width (x) and height (y), independently.</summary>
    public double TranslateFraction { get; init; } = 0.05;
    /// <summary>Probability of a horizontal flip.</summary>
    public double FlipProbability { get; init; } = 0.5;
    /// <summary>Brightness factor drawn from [1 − b, 1 + b]; the image is multiplied by it.</summary>
    public double Brightness { get; init; } = 0.2;
    /// <summary>Contrast factor from [1 − c, 1 + c]: blend with the mean gray level of the image.</summary>
    public double Contrast { get; init; } = 0.2;
    /// <summary>Saturation factor from [1 − s, 1 + s]: blend with the pixel's own gray level (colour images only).</summary>
    public double Saturation { get; init; } = 0.2;
    /// <summary>Hue shift drawn from ±h turns (0 ≤ h ≤ 0.5; colour images only).</summary>
    public double Hue { get; init; } = 0.02;
    /// <summary>Interpolation of the image when no rotation/scale/translation is drawn (a plain resize); warps always use
    /// bilinear. Labels always use nearest.</summary>
    public ResizeMode PlainResizeMode { get; init; } = ResizeMode.Bilinear;
    /// <summary>Value of image pixels brought in from outside the source by the affine.</summary>
    public byte ImageFill { get; init; }
    /// <summary>Label of pixels brought in from outside the source by the affine (default: ignore).</summary>
    public OutsideLabel OutsideLabel { get; init; } = OutsideLabel.Ignore;

    /// <summary>No augmentation at all: a plain resize to the output size.</summary>
    public static AugmentOptions None { get; } = new()
    {
        RotationDegrees = 0, ScaleMin = 1, ScaleMax = 1, TranslateFraction = 0, FlipProbability = 0,
        Brightness = 0, Contrast = 0, Saturation = 0, Hue = 0,
    };

    /// <summary>The label value <see cref="OutsideLabel"/> stands for.</summary>
    public byte OutsideLabelValue => OutsideLabel == OutsideLabel.Ignore ? LabelSet.IgnoreLabel : (byte)0;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        static void Require(bool ok, string what)
        {
            if (!ok) throw new ArgumentException($"Invalid augmentation option: {what}.");
        }
        Require(RotationDegrees is >= 0 and <= 180, $"RotationDegrees must be in [0, 180], got {RotationDegrees}");
        Require(ScaleMin > 0 && ScaleMax >= ScaleMin, $"need 0 < ScaleMin ≤ ScaleMax, got [{ScaleMin}, {ScaleMax}]");
        Require(TranslateFraction is >= 0 and <= 1, $"TranslateFraction must be in [0, 1], got {TranslateFraction}");
        Require(FlipProbability is >= 0 and <= 1, $"FlipProbability must be in [0, 1], got {FlipProbability}");
        Require(Brightness is >= 0 and <= 1, $"Brightness must be in [0, 1], got {Brightness}");
        Require(Contrast is >= 0 and <= 1, $"Contrast must be in [0, 1], got {Contrast}");
        Require(Saturation is >= 0 and <= 1, $"Saturation must be in [0, 1], got {Saturation}");
        Require(Hue is >= 0 and <= 0.5, $"Hue must be in [0, 0.5], got {Hue}");
    }
}
