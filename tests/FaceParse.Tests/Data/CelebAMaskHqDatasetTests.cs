using FaceParse.Data;

namespace FaceParse.Tests.Data;

public sealed class CelebAMaskHqDatasetTests : IDisposable
{
    private readonly Fixtures _f = new();

    public void Dispose() => _f.Dispose();

    /// <summary>A 2x2 binary part mask (255 = set) for HQ id <paramref name="id"/>.</summary>
    private void Part(int id, string part, params byte[] values) =>
        _f.GrayMask($"CelebAMask-HQ-mask-anno/{id / 2000}/{id:D5}_{part}.png", 2, 2, values);

    /// <summary>Ids 0, 1, 2001 (second mask folder); photos 4x4, masks 2x2.</summary>
    private void Build()
    {
        foreach (int id in new[] { 0, 1, 2001 }) _f.Photo($"CelebA-HQ-img/{id}.jpg", 4, 4);
        Part(0, "skin", 255, 255, 255, 0);
        Part(0, "hair", 0, 255, 0, 0);     // later class (13) overwrites skin (1)
        Part(0, "l_eye", 255, 0, 0, 0);    // class 4 over skin
        Part(0, "cloth", 0, 0, 0, 255);    // class 18
        Part(1, "nose", 255, 255, 255, 255);
        Part(2001, "neck", 0, 0, 255, 255);
        _f.Text("CelebA-HQ-to-CelebA-mapping.txt", "idx         orig_idx        orig_file\n0 119613 119614.jpg\n1 99094 099095.jpg\n2001 5 000006.jpg\n");
        _f.Text("list_eval_partition.txt", "000006.jpg 2\n099095.jpg 0\n119614.jpg 1\n");
    }

    [Fact]
    public void PaintsPartsInClassOrderLaterOverwritingEarlier()
    {
        Build();
        var ds = CelebAMaskHqDataset.Open(_f.Root);
        Assert.Equal(["0", "1", "2001"], ds.Samples.Select(s => s.Stem));
        var map = ds.LoadMask(ds.Samples[0]);
        Assert.Equal((2, 2), (map.Width, map.Height));
        // pixel 0: skin then l_eye → 4; pixel 1: skin then hair → 13; pixel 2: skin → 1; pixel 3: cloth → 18
        Assert.Equal([4, 13, 1, 18], map.Labels);
        Assert.Equal([2, 2, 2, 2], ds.LoadMask(ds.Samples[1]).Labels);
        Assert.Equal([0, 0, 17, 17], ds.LoadMask(ds.Samples[2]).Labels);
        Assert.Null(ds.PartFiles(ds.Samples[1])[1]); // skin absent for id 1
        Assert.EndsWith(Path.Combine("CelebAMask-HQ-mask-anno", "1", "02001_*.png"), ds.Samples[2].MaskPath);
    }

    [Fact]
    public void ImagesTwiceTheMaskSizeAreValid()
    {
        Build();
        var ds = CelebAMaskHqDataset.Open(_f.Root);
        var report = ds.Validate(PngImageDecoder.Instance, decodeMasks: true);
        Assert.True(report.IsValid, string.Join("; ", report.Errors.Select(e => e.Message)));
        Assert.Equal(3, report.ImagesChecked);
        Assert.Equal(1, report.ClassPixels![4]);
        _f.Photo("CelebA-HQ-img/1.jpg", 4, 3);
        var bad = ds.Validate(PngImageDecoder.Instance);
        Assert.Contains("same aspect ratio", Assert.Single(bad.Errors).Message);
    }

    [Theory]
    [InlineData(CelebAMaskHqSplit.Train, "1")]
    [InlineData(CelebAMaskHqSplit.Val, "0")]
    [InlineData(CelebAMaskHqSplit.Test, "2001")]
    public void OfficialSplitsGoThroughTheCelebAPartition(CelebAMaskHqSplit split, string stem)
    {
        Build();
        Assert.Equal([stem], CelebAMaskHqDataset.Open(_f.Root, split).Samples.Select(s => s.Stem));
    }

    [Fact]
    public void MissingSplitFilesAndPartsAreLayoutErrors()
    {
        Build();
        File.Delete(_f.PathOf("list_eval_partition.txt"));
        var e = Assert.Throws<DatasetLayoutException>(() => CelebAMaskHqDataset.Open(_f.Root, CelebAMaskHqSplit.Train));
        Assert.Contains("list_eval_partition.txt", e.Message);
        Assert.True(CelebAMaskHqDataset.Open(_f.Root).Count == 3); // the full set needs no split files
        _f.Photo("CelebA-HQ-img/7.jpg", 4, 4);
        var noParts = Assert.Throws<DatasetLayoutException>(() => CelebAMaskHqDataset.Open(_f.Root));
        Assert.Contains("00007_skin.png", noParts.Message);
    }

    [Fact]
    public void MismatchedPartSizesAreContentErrors()
    {
        Build();
        _f.GrayMask("CelebAMask-HQ-mask-anno/0/00000_hair.png", 3, 3, new byte[9]);
        var ds = CelebAMaskHqDataset.Open(_f.Root);
        Assert.Contains("00000_hair.png is 3x3", Assert.Throws<DatasetContentException>(() => ds.LoadMask(ds.Samples[0])).Message);
        Assert.IsType<DatasetContentException>(Assert.Single(ds.Validate().Errors));
    }

    [Fact]
    public void FolderRootIsNotACelebAMaskHqRoot()
    {
        _f.Photo("images/a.png", 2, 2);
        _f.PaletteMask("masks/a.png", 2, 2, new byte[4]);
        var e = Assert.Throws<DatasetLayoutException>(() => CelebAMaskHqDataset.Open(_f.Root));
        Assert.Contains("CelebA-HQ-img", e.Message);
        Assert.Contains("'folder' layout", e.Message);
    }
}
