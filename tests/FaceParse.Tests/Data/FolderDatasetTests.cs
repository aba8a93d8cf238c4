using FaceParse.Data;
using FaceParse.Labels;

namespace FaceParse.Tests.Data;

public sealed class FolderDatasetTests : IDisposable
{
    private readonly Fixtures _f = new();

    public void Dispose() => _f.Dispose();

    private void Pair(string stem, byte label = 1, int size = 4)
    {
        _f.Photo($"images/{stem}.png", size, size);
        _f.PaletteMask($"masks/{stem}.png", size, size, Fixtures.Fill(size * size, label));
    }

    [Fact]
    public void ListsAllPairsSortedByStem()
    {
        Pair("b");
        Pair("a", 13);
        _f.PaletteMask("masks/orphan.png", 4, 4, new byte[16]);
        var ds = FolderDataset.Open(_f.Root, LabelSets.CelebAMaskHq);
        Assert.Equal(["a", "b"], ds.Samples.Select(s => s.Stem));
        Assert.Same(LabelSets.CelebAMaskHq, ds.Labels);
        var (image, mask) = ds.LoadSample(ds.Samples[0], PngImageDecoder.Instance);
        Assert.Equal((4, 4, 3), (image.Width, image.Height, image.Channels));
        Assert.All(mask.Labels, v => Assert.Equal(13, v));
    }

    [Fact]
    public void SplitFileSelectsStemsInFileOrderIgnoringCommentsAndBlanks()
    {
        Pair("a");
        Pair("b");
        Pair("c");
        _f.Text("val.txt", "# validation\n\nc\n  a  \n");
        var ds = FolderDataset.Open(_f.Root, LabelSets.CelebAMaskHq, "val.txt");
        Assert.Equal(["c", "a"], ds.Samples.Select(s => s.Stem));
        _f.Text("dup.txt", "a\na\n");
        Assert.Contains("twice", Assert.Throws<DatasetLayoutException>(() => FolderDataset.Open(_f.Root, LabelSets.CelebAMaskHq, "dup.txt")).Message);
        _f.Text("bad.txt", "a\nzzz\n");
        Assert.Contains("zzz", Assert.Throws<DatasetLayoutException>(() => FolderDataset.Open(_f.Root, LabelSets.CelebAMaskHq, "bad.txt")).Message);
    }

    [Fact]
    public void ValidationReadsHeadersAndOptionallyHistograms()
    {
        Pair("a", 1);
        Pair("b", 13);
        var ds = FolderDataset.Open(_f.Root, LabelSets.CelebAMaskHq);
        var quick = ds.Validate(PngImageDecoder.Instance);
        Assert.True(quick.IsValid);
        Assert.Equal(2, quick.ImagesChecked);
        Assert.Null(quick.ClassPixels);
        Assert.Equal(2, quick.MaskSizes[(4, 4)]);
        var deep = ds.Validate(decodeMasks: true, maxDegreeOfParallelism: 2);
        Assert.Equal(16, deep.ClassPixels![1]);
        Assert.Equal(16, deep.ClassPixels[13]);
        Assert.Equal(13, deep.MaxLabel);
    }

    [Fact]
    public void MissingMaskIsALayoutError()
    {
        Pair("a");
        _f.Photo("images/b.jpg", 4, 4);
        var e = Assert.Throws<DatasetLayoutException>(() => FolderDataset.Open(_f.Root, LabelSets.CelebAMaskHq));
        Assert.Contains("b (no mask", e.Message);
        Assert.Contains(Path.Combine("masks", "b.png"), e.Message);
    }

    [Fact]
    public void EmptyOrMissingFoldersAreLayoutErrors()
    {
        var e = Assert.Throws<DatasetLayoutException>(() => FolderDataset.Open(_f.Root, LabelSets.CelebAMaskHq));
        Assert.Contains("expected folder", e.Message);
        Assert.Contains("is empty", e.Message);
        Directory.CreateDirectory(_f.PathOf("images"));
        Directory.CreateDirectory(_f.PathOf("masks"));
        Assert.Contains("no .jpg/.jpeg/.png images", Assert.Throws<DatasetLayoutException>(() => FolderDataset.Open(_f.Root, LabelSets.CelebAMaskHq)).Message);
    }

    [Fact]
    public void PointingAtACelebAMaskHqRootNamesWhatWasFound()
    {
        _f.Photo("CelebA-HQ-img/0.jpg", 4, 4);
        Directory.CreateDirectory(_f.PathOf("CelebAMask-HQ-mask-anno/0"));
        var e = Assert.Throws<DatasetLayoutException>(() => FolderDataset.Open(_f.Root, LabelSets.CelebAMaskHq));
        Assert.Contains("images", e.Message);
        Assert.Contains("CelebA-HQ-img/", e.Message);
        Assert.Contains("'celebamask-hq' layout", e.Message);
    }

    [Fact]
    public void AmbiguousStemIsALayoutError()
    {
        Pair("a");
        _f.Photo("images/a.jpg", 4, 4);
        Assert.Contains("two files for sample 'a'", Assert.Throws<DatasetLayoutException>(() => FolderDataset.Open(_f.Root, LabelSets.CelebAMaskHq)).Message);
    }

    [Fact]
    public void MaskValueAboveTheLabelSetNamesTheFile()
    {
        Pair("a", 10);
        var ds = FolderDataset.Open(_f.Root, LabelSets.LaPa);
        Assert.Equal(10, ds.LoadMask(ds.Samples[0]).Labels[0]);
        _f.PaletteMask("masks/a.png", 4, 4, [.. Fixtures.Fill(15, 255), 11]);
        var e = Assert.Throws<DatasetContentException>(() => ds.LoadMask(ds.Samples[0]));
        Assert.Contains(Path.Combine("masks", "a.png"), e.Message);
        Assert.Contains("value 11", e.Message);
        Assert.Contains("'lapa'", e.Message);
        var report = ds.Validate(decodeMasks: true);
        Assert.False(report.IsValid);
        Assert.Throws<DatasetContentException>(report.ThrowIfInvalid);
    }

    [Fact]
    public void SizeMismatchNamesBothFiles()
    {
        _f.Photo("images/a.png", 5, 4);
        _f.PaletteMask("masks/a.png", 4, 4, new byte[16]);
        var ds = FolderDataset.Open(_f.Root, LabelSets.CelebAMaskHq);
        var e = Assert.Throws<DatasetContentException>(() => ds.LoadSample(ds.Samples[0], PngImageDecoder.Instance));
        Assert.Contains(Path.Combine("images", "a.png") + " is 5x4", e.Message);
        Assert.Contains(Path.Combine("masks", "a.png") + " is 4x4", e.Message);
        var report = ds.Validate(PngImageDecoder.Instance);
        Assert.Single(report.Errors);
        Assert.Contains("1 problem(s)", Assert.Throws<DatasetContentException>(report.ThrowIfInvalid).Message);
    }

    [Fact]
    public void RgbOrBrokenMasksAreContentErrors()
    {
        _f.Photo("images/a.png", 4, 4);
        _f.Photo("masks/a.png", 4, 4);
        _f.Photo("images/b.png", 4, 4);
        _f.Text("masks/b.png", "not a png");
        var ds = FolderDataset.Open(_f.Root, LabelSets.CelebAMaskHq);
        var report = ds.Validate();
        Assert.Equal(2, report.Errors.Count);
        Assert.Contains("8-bit gray or palette", report.Errors[0].Message);
        Assert.Contains("not a readable PNG", report.Errors[1].Message);
        Assert.All(report.Errors, e => Assert.IsType<DatasetContentException>(e));
    }
}
