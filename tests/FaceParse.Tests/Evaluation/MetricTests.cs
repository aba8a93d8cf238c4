using FaceParse.Evaluation;
using FaceParse.Labels;

namespace FaceParse.Tests.Evaluation;

/// <summary>Hand-computed cases; the expected values are written from the formulas in SPEC §3.</summary>
public class MetricTests
{
    // pairs (gt, pred) after dropping the ignored pixel: (0,0) (0,1) (1,1) (1,1) (1,2) (2,2) (2,0)
    private static readonly byte[] Gt = [0, 0, 1, 1, 1, 2, 255, 2];
    private static readonly byte[] Pred = [0, 1, 1, 1, 2, 2, 0, 0];

    private static ConfusionMatrix Small(int classes)
    {
        var m = new ConfusionMatrix(classes);
        m.Add(Gt, Pred);
        return m;
    }

    [Fact]
    public void ConfusionCountsSkipTheIgnoreLabel()
    {
        var m = Small(3);
        Assert.Equal([1, 1, 0, 0, 2, 1, 1, 0, 1], m.ToArray());
        Assert.Equal(7, m.Total);
        Assert.Equal(2, m[1, 1]);
    }

    [Fact]
    public void PerClassAndMeans()
    {
        var s = SegmentationScores.Compute(Small(3), ["bg", "a", "b"]);
        // gt = 2,3,2; pred = 2,3,2; tp = 1,2,1
        Assert.Equal([2L, 3, 2], s.PerClass.Select(c => c.GtPixels));
        Assert.Equal([2L, 3, 2], s.PerClass.Select(c => c.PredPixels));
        Assert.Equal(2.0 / 4, s.PerClass[0].F1, 12);
        Assert.Equal(4.0 / 6, s.PerClass[1].F1, 12);
        Assert.Equal(2.0 / 4, s.PerClass[2].F1, 12);
        Assert.Equal(1.0 / 3, s.PerClass[0].IoU, 12);
        Assert.Equal(2.0 / 4, s.PerClass[1].IoU, 12);
        Assert.Equal(1.0 / 3, s.PerClass[2].IoU, 12);
        Assert.Equal((4.0 / 6 + 0.5) / 2, s.MeanF1, 12);            // background excluded
        Assert.Equal((1.0 / 3 + 0.5 + 1.0 / 3) / 3, s.MeanIoU, 12);  // background included
        Assert.Equal(4.0 / 7, s.PixelAccuracy, 12);
        Assert.Equal("a", s.PerClass[1].Name);
    }

    [Theory]
    [InlineData(AbsentClassPolicy.Exclude, (4.0 / 6 + 0.5) / 2, (1.0 / 3 + 0.5 + 1.0 / 3) / 3)]
    [InlineData(AbsentClassPolicy.CountAsZero, (4.0 / 6 + 0.5 + 0) / 3, (1.0 / 3 + 0.5 + 1.0 / 3 + 0) / 4)]
    [InlineData(AbsentClassPolicy.CountAsOne, (4.0 / 6 + 0.5 + 1) / 3, (1.0 / 3 + 0.5 + 1.0 / 3 + 1) / 4)]
    public void AbsentClassPolicies(AbsentClassPolicy policy, double meanF1, double meanIoU)
    {
        var s = SegmentationScores.Compute(Small(4), options: new MetricOptions { AbsentClasses = policy });
        Assert.True(s.PerClass[3].Absent);
        Assert.True(double.IsNaN(s.PerClass[3].F1));
        Assert.True(double.IsNaN(s.PerClass[3].IoU));
        Assert.Equal(meanF1, s.MeanF1, 12);
        Assert.Equal(meanIoU, s.MeanIoU, 12);
    }

    [Fact]
    public void ClassWithOnlyFalsePositivesScoresZeroNotAbsent()
    {
        var m = new ConfusionMatrix(3);
        m.Add([0, 1], [2, 1]);
        var s = SegmentationScores.Compute(m);
        Assert.False(s.PerClass[2].Absent);
        Assert.Equal(0, s.PerClass[2].F1);
        Assert.Equal((1.0 + 0) / 2, s.MeanF1, 12);
    }

    [Fact]
    public void InvalidValuesAreRejected()
    {
        var m = new ConfusionMatrix(3);
        Assert.Contains("Ground-truth value 7", Assert.Throws<ArgumentException>(() => m.Add([7], [0])).Message);
        Assert.Contains("Predicted value 3", Assert.Throws<ArgumentException>(() => m.Add([0], [3])).Message);
        Assert.Throws<ArgumentException>(() => m.Add([0, 1], [0]));
        Assert.Equal(0, m.Total);
        Assert.Throws<ArgumentException>(() => new ConfusionMatrix(3, ignoreLabel: 2));
        var noIgnore = new ConfusionMatrix(3, ignoreLabel: -1);
        Assert.Throws<ArgumentException>(() => noIgnore.Add([255], [0]));
    }

    [Fact]
    public void HelenGroupsCountConfusionInsideAGroupAsCorrect()
    {
        var m = new ConfusionMatrix(11);
        m.Add([4, 4, 5, 2, 3, 7, 8, 9, 6, 1, 0], [5, 4, 5, 3, 2, 8, 7, 1, 6, 1, 0]);
        var groups = ClassGroups.Score(m, ClassGroups.Helen(LabelSets.Helen)).ToDictionary(g => g.Name);
        Assert.Equal(1.0, groups["eyes"].F1, 12);            // gt 3, pred 3, tp 3
        Assert.Equal(1.0, groups["brows"].F1, 12);           // gt 2, pred 2, tp 2 (per-class F1 of 2 and 3 is 0)
        Assert.Equal(2.0 * 2 / (3 + 2), groups["mouth"].F1, 12);   // gt 3, pred 2, tp 2
        Assert.Equal(2.0 / (3 + 2 - 2), groups["mouth"].IoU, 12);
        Assert.Equal(2.0 * 8 / (9 + 8), groups["overall"].F1, 12); // gt 9, pred 8, tp 8
        Assert.Equal([2, 3, 4, 5, 6, 7, 8, 9], ClassGroups.Helen(LabelSets.Helen).Single(g => g.Name == "overall").Ids.Order());
        var s = SegmentationScores.Compute(m);
        Assert.Equal(0, s.PerClass[2].F1);
    }

    [Fact]
    public void MergingPerThreadMatricesEqualsOneMatrix()
    {
        var rng = new Random(7);
        var images = Enumerable.Range(0, 24).Select(_ =>
        {
            var gt = new byte[500];
            var pred = new byte[500];
            for (int i = 0; i < gt.Length; i++)
            {
                gt[i] = rng.Next(10) == 0 ? (byte)255 : (byte)rng.Next(5);
                pred[i] = (byte)rng.Next(5);
            }
            return (gt, pred);
        }).ToArray();
        var serial = new ConfusionMatrix(5);
        foreach (var (gt, pred) in images) serial.Add(gt, pred);

        var shared = new ConfusionMatrix(5);
        Parallel.ForEach(images, new ParallelOptions { MaxDegreeOfParallelism = 4 }, im => shared.Add(im.gt, im.pred));

        var merged = new ConfusionMatrix(5);
        Parallel.ForEach(images.Chunk(5), new ParallelOptions { MaxDegreeOfParallelism = 4 }, chunk =>
        {
            var local = new ConfusionMatrix(5);
            foreach (var (gt, pred) in chunk) local.Add(gt, pred);
            merged.Merge(local);
        });

        Assert.Equal(serial.ToArray(), shared.ToArray());
        Assert.Equal(serial.ToArray(), merged.ToArray());
        Assert.Equal(serial.ToArray(), ConfusionMatrix.FromCounts(5, serial.ToArray()).ToArray());
        Assert.Throws<ArgumentException>(() => merged.Merge(new ConfusionMatrix(4)));
    }
}
