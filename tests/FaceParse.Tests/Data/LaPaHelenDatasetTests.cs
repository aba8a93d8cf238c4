using FaceParse.Data;
using FaceParse.Labels;

namespace FaceParse.Tests.Data;

public sealed class LaPaHelenDatasetTests : IDisposable
{
    private readonly Fixtures _f = new();

    public void Dispose() => _f.Dispose();

    private static string LaPaLandmarks(float offset) =>
        "106\n" + string.Join("\n", Enumerable.Range(0, 106).Select(i => $"{i + offset} {2 * i + offset}"));

    private void LaPaSample(string split, string name, byte label)
    {
        _f.Photo($"{split}/images/{name}.jpg", 3, 3);
        _f.GrayMask($"{split}/labels/{name}.png", 3, 3, Fixtures.Fill(9, label));
        _f.Text($"{split}/landmarks/{name}.txt", LaPaLandmarks(0.5f));
    }

    [Fact]
    public void LaPaListsSplitWithLandmarks()
    {
        LaPaSample("train", "x1", 10);
        LaPaSample("train", "x0", 2);
        LaPaSample("val", "v", 1);
        var ds = LaPaDataset.Open(_f.Root, "train");
        Assert.Equal(["x0", "x1"], ds.Samples.Select(s => s.Stem));
        Assert.Same(LabelSets.LaPa, ds.Labels);
        Assert.Equal(10, ds.LoadMask(ds.Samples[1]).Labels[4]);
        var points = LaPaDataset.LoadLandmarks(ds.Samples[0]);
        Assert.Equal(106, points.Length);
        Assert.Equal((105.5f, 210.5f), points[105]);
        Assert.True(ds.Validate(PngImageDecoder.Instance, decodeMasks: true).IsValid);
        Assert.Single(LaPaDataset.Open(_f.Root, "val").Samples);
    }

    [Fact]
    public void LaPaErrors()
    {
        LaPaSample("train", "a", 1);
        File.Delete(_f.PathOf("train/landmarks/a.txt"));
        Assert.Contains("a.txt", Assert.Throws<DatasetLayoutException>(() => LaPaDataset.Open(_f.Root, "train")).Message);
        _f.Text("train/landmarks/a.txt", "68\n1 2");
        var ds = LaPaDataset.Open(_f.Root, "train");
        Assert.Contains("106", Assert.Throws<DatasetLayoutException>(() => LaPaDataset.LoadLandmarks(ds.Samples[0])).Message);
        _f.GrayMask("train/labels/a.png", 3, 3, Fixtures.Fill(9, 11));
        Assert.Contains("value 11", Assert.Throws<DatasetContentException>(() => ds.LoadMask(ds.Samples[0])).Message);
        File.Delete(_f.PathOf("train/labels/a.png"));
        Assert.Contains(Path.Combine("labels", "a.png"), Assert.Throws<DatasetLayoutException>(() => LaPaDataset.Open(_f.Root, "train")).Message);
        Assert.Contains("expected folder", Assert.Throws<DatasetLayoutException>(() => LaPaDataset.Open(_f.Root, "test")).Message);
        Assert.Throws<ArgumentException>(() => LaPaDataset.Open(_f.Root, "dev"));
    }

    [Fact]
    public void HelenPairsNameImageWithNameLabelAndReadsLandmarks()
    {
        foreach (var name in new[] { "100032540_1", "2" })
        {
            _f.Photo($"train/{name}_image.png", 2, 2);
            _f.GrayMask($"train/{name}_label.png", 2, 2, [0, 4, 5, 10]);
        }
        _f.Text("landmarks.txt", "100032540_1_image.jpg " + string.Join(",", Enumerable.Range(0, 136)) + "\n2 " + string.Join(" ", Enumerable.Range(0, 136)) + "\n");
        var ds = HelenDataset.Open(_f.Root, "train");
        Assert.Equal(["100032540_1", "2"], ds.Samples.Select(s => s.Stem));
        Assert.Same(LabelSets.Helen, ds.Labels);
        Assert.Equal([0, 4, 5, 10], ds.LoadMask(ds.Samples[0]).Labels);
        Assert.Equal((134f, 135f), ds.LoadLandmarks(ds.Samples[0])[67]);
        Assert.True(ds.Validate(PngImageDecoder.Instance).IsValid);
    }

    [Fact]
    public void HelenErrors()
    {
        _f.Photo("test/a_image.png", 2, 2);
        Assert.Contains("a_label.png", Assert.Throws<DatasetLayoutException>(() => HelenDataset.Open(_f.Root, "test")).Message);
        _f.GrayMask("test/a_label.png", 2, 2, new byte[4]);
        var ds = HelenDataset.Open(_f.Root, "test");
        Assert.Contains("no landmarks.txt", Assert.Throws<DatasetLayoutException>(() => ds.LoadLandmarks(ds.Samples[0])).Message);
        Directory.CreateDirectory(_f.PathOf("train"));
        Assert.Contains("is empty", Assert.Throws<DatasetLayoutException>(() => HelenDataset.Open(_f.Root, "train")).Message);
    }
}
