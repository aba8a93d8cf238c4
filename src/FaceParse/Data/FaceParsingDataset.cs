using FaceParse.Imaging;
using FaceParse.Labels;

namespace FaceParse.Data;

/// <summary>How an image's size must relate to its mask's.</summary>
public enum ImageMaskSizeRule
{
    /// <summary>Same width and height (folder, LaPa, Helen layouts).</summary>
    Equal,
    /// <summary>Same aspect ratio, any scale (official CelebAMask-HQ: 1024² photos, 512² masks).</summary>
    SameAspectRatio,
}

/// <summary>A face-parsing dataset: its samples (listed when opened; every sample has its image and mask) and the label set its
/// masks use.</summary>
/// <remarks>Opening a dataset checks the layout and that every listed sample has its files, throwing
/// <see cref="DatasetLayoutException"/> otherwise. Call <see cref="Validate"/> before training to read every mask header (and
/// optionally every mask) up front, so that a bad file never surfaces mid-epoch.</remarks>
public abstract class FaceParsingDataset
{
    protected FaceParsingDataset(string layout, string root, LabelSet labels, IReadOnlyList<DatasetSample> samples, ImageMaskSizeRule sizeRule)
    {
        if (samples.Count == 0) throw new DatasetLayoutException($"{layout} dataset at {root}: no samples found.", root);
        Layout = layout;
        Root = root;
        Labels = labels;
        Samples = samples;
        SizeRule = sizeRule;
    }

    /// <summary>Short layout name ("folder", "celebamask-hq", "lapa", "helen").</summary>
    public string Layout { get; }
    public string Root { get; }
    public LabelSet Labels { get; }
    public IReadOnlyList<DatasetSample> Samples { get; }
    public int Count => Samples.Count;
    public ImageMaskSizeRule SizeRule { get; }

    /// <summary>The sample's label map (values checked against <see cref="Labels"/>).</summary>
    public virtual LabelMap LoadMask(DatasetSample sample) => MaskFiles.LoadLabelMap(sample.MaskPath, Labels);

    /// <summary>The mask size from PNG headers only, after checking the header describes a label mask.</summary>
    public virtual (int Width, int Height) ReadMaskSize(DatasetSample sample)
    {
        var info = MaskFiles.ReadPngHeader(sample.MaskPath);
        MaskFiles.CheckLabelHeader(info, sample.MaskPath);
        return (info.Width, info.Height);
    }

    /// <summary>Decodes the photo with <paramref name="decoder"/> and loads the mask, checking their sizes agree.</summary>
    public (Image Image, LabelMap Mask) LoadSample(DatasetSample sample, IImageDecoder decoder)
    {
        var mask = LoadMask(sample);
        var image = decoder.Decode(sample.ImagePath);
        CheckSizes(sample, image.Width, image.Height, mask.Width, mask.Height);
        return (image, mask);
    }

    /// <summary>Reads every mask header (and, with <paramref name="decodeMasks"/>, every mask) and every image header the
    /// decoder can read; collects all problems instead of stopping at the first.</summary>
    public DatasetValidation Validate(IImageDecoder? decoder = null, bool decodeMasks = false, int maxDegreeOfParallelism = 1) =>
        DatasetValidation.Run(this, decoder, decodeMasks, maxDegreeOfParallelism);

    /// <summary>Throws <see cref="DatasetContentException"/> naming both files when the sizes break <see cref="SizeRule"/>.</summary>
    protected internal void CheckSizes(DatasetSample sample, int imageWidth, int imageHeight, int maskWidth, int maskHeight)
    {
        bool ok = SizeRule == ImageMaskSizeRule.Equal
            ? imageWidth == maskWidth && imageHeight == maskHeight
            : (long)imageWidth * maskHeight == (long)imageHeight * maskWidth;
        if (ok) return;
        string rule = SizeRule == ImageMaskSizeRule.Equal ? "the same size" : "the same aspect ratio";
        throw new DatasetContentException($"Image {sample.ImagePath} is {imageWidth}x{imageHeight} but mask {sample.MaskPath} is " +
            $"{maskWidth}x{maskHeight}; they must have {rule}.", sample.ImagePath);
    }

    public override string ToString() => $"{Layout} dataset at {Root}: {Count} samples, labels '{Labels.Name}'";
}
