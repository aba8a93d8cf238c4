using FaceParse.Data;
using FaceParse.Labels;

namespace FaceParse.Tests.Data;

/// <summary>The shared CelebAMask-HQ subset (900 real masks, plain folder layout). Skips visibly when shared/data is absent;
/// fails instead when FACEPARSE_REQUIRE_DATA=1.</summary>
public class RealDataTests
{
    [Fact]
    public void CelebAMaskHqMini1000SplitsAndMasks()
    {
        string root = SharedData.PathOf("celebamask-hq-mini1000");
        var train = FolderDataset.Open(root, LabelSets.CelebAMaskHq, "split_train800.txt");
        var val = FolderDataset.Open(root, LabelSets.CelebAMaskHq, "split_val100.txt");
        Assert.Equal(800, train.Count);
        Assert.Equal(100, val.Count);
        Assert.Empty(train.Samples.Select(s => s.Stem).Intersect(val.Samples.Select(s => s.Stem)));

        var all = FolderDataset.Open(root, LabelSets.CelebAMaskHq);
        Assert.Equal(900, all.Count);
        var report = all.Validate(decodeMasks: true, maxDegreeOfParallelism: 2);
        Assert.True(report.IsValid, string.Join("; ", report.Errors.Take(3).Select(e => e.Message)));
        Assert.Equal(900, Assert.Single(report.MaskSizes, kv => kv.Key == (512, 512)).Value);
        Assert.True(report.MaxLabel <= 18, $"max label {report.MaxLabel}");
        Assert.True(report.ClassPixels![LabelSets.CelebAMaskHq.IdOf("skin")] > 0);
        Assert.True(report.ClassPixels[LabelSets.CelebAMaskHq.IdOf("hair")] > 0);
    }
}
