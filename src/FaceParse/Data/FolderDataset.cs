using FaceParse.Labels;

namespace FaceParse.Data;

/// <summary>The plain layout users build themselves (SPEC §2): <c>images/&lt;stem&gt;.(jpg|jpeg|png)</c> and
/// <c>masks/&lt;stem&gt;.png</c>, where a mask's gray value or palette index is the class id in a named label set.</summary>
/// <remarks>Without a split file every image is a sample (sorted by stem) and must have a mask; masks without an image are
/// ignored. With a split file (one stem per line, '#' comments and blank lines ignored; a relative path is taken relative to the
/// root) exactly those samples are listed in file order, and each must have both files.</remarks>
public sealed class FolderDataset : FaceParsingDataset
{
    private FolderDataset(string root, LabelSet labels, IReadOnlyList<DatasetSample> samples, string? splitFile)
        : base("folder", root, labels, samples, ImageMaskSizeRule.Equal)
    {
        SplitFile = splitFile;
    }

    /// <summary>The split file used, if any.</summary>
    public string? SplitFile { get; }

    /// <exception cref="DatasetLayoutException">Missing images/ or masks/, a sample without its mask or image, no samples,
    /// two images with one stem, a bad split file.</exception>
    public static FolderDataset Open(string root, LabelSet labels, string? splitFile = null)
    {
        const string layout = "folder";
        string images = DatasetFiles.RequireFolder(root, "images", layout, "photos named <stem>.jpg/.jpeg/.png");
        string masks = DatasetFiles.RequireFolder(root, "masks", layout, "label PNGs named <stem>.png");
        var imageByStem = DatasetFiles.ByStem(images, DatasetFiles.ImageExtensions, layout);
        var maskByStem = DatasetFiles.ByStem(masks, [".png"], layout);
        if (imageByStem.Count == 0)
            throw new DatasetLayoutException($"folder layout: no .jpg/.jpeg/.png images in {images}; {DatasetFiles.Describe(images)}", images);

        string? split = splitFile is null ? null : Path.IsPathRooted(splitFile) ? splitFile : Path.Combine(root, splitFile);
        IEnumerable<string> stems = split is null ? imageByStem.Keys.Order(StringComparer.Ordinal) : DatasetFiles.ReadSplitFile(split);
        var samples = new List<DatasetSample>();
        var missing = new List<string>();
        foreach (var stem in stems)
        {
            if (!imageByStem.TryGetValue(stem, out var image))
            {
                missing.Add($"{stem} (no image in {images})");
                continue;
            }
            if (!maskByStem.TryGetValue(stem, out var mask))
            {
                missing.Add($"{stem} (no mask {Path.Combine(masks, stem + ".png")})");
                continue;
            }
            samples.Add(new DatasetSample(stem, image, mask));
        }
        if (missing.Count > 0)
            throw new DatasetLayoutException($"folder layout at {root}: {missing.Count} sample(s) lack files" +
                $"{(split is null ? "" : $" (split {split})")}: {string.Join(", ", missing.Take(5))}{(missing.Count > 5 ? ", ..." : "")}.", root);
        return new FolderDataset(root, labels, samples, split);
    }
}
