using FaceParse.Data;
using FaceParse.Imaging;
using FaceParse.Imaging.Png;
using FaceParse.Labels;
using FaceParse.Training;

namespace FaceParse.Tests.Training;

/// <summary>Repeat-factor sampling (<see cref="RepeatFactorSampling"/>): the LVIS factors, equal-length epochs, the rare images'
/// larger share, and the loader's use of draws.</summary>
public sealed class RepeatFactorSamplingTests
{
    // 10 images, 3 classes: class 0 everywhere, class 1 in images 0..4 (f = 0.5), class 2 in image 9 only (f = 0.1).
    private static bool[][] Presence() =>
        [.. Enumerable.Range(0, 10).Select(i => new[] { true, i < 5, i == 9 })];

    [Fact]
    public void FactorsAreTheLvisRepeatFactors()
    {
        var r = RepeatFactorSampling.FactorsFrom(Presence(), threshold: 0.4);
        // class 1: max(1, √(0.4/0.5)) = 1; class 2: √(0.4/0.1) = 2.
        Assert.Equal([1, 1, 1, 1, 1, 1, 1, 1, 1, 2], r);
        var r9 = RepeatFactorSampling.FactorsFrom(Presence(), threshold: 0.9);
        Assert.Equal(Math.Sqrt(0.9 / 0.5), r9[0], 12);
        Assert.Equal(1, r9[5]);
        Assert.Equal(Math.Sqrt(0.9 / 0.1), r9[9], 12); // the largest factor of the image's classes
        Assert.Throws<ArgumentException>(() => RepeatFactorSampling.FactorsFrom(Presence(), 0));
        Assert.Throws<ArgumentException>(() => RepeatFactorSampling.FactorsFrom(Presence(), 1.5));
        Assert.Throws<ArgumentException>(() => new RepeatFactorSampling([1, 0.5]));
    }

    [Fact]
    public void EpochsKeepTheirLengthAndGiveRareImagesTheirShare()
    {
        double[] factors = [.. Enumerable.Repeat(1.0, 9), 2.5];
        var sampling = new RepeatFactorSampling(factors);
        var counts = new int[10];
        for (int epoch = 0; epoch < 4000; epoch++)
        {
            var draws = sampling.EpochDraws(seed: 5, epoch);
            Assert.Equal(10, draws.Length);
            foreach (int d in draws)
            {
                Assert.InRange(d, 0, 10 * 3 - 1); // at most ⌈2.5⌉ copies
                counts[d % 10]++;
            }
        }
        // Expected share of the rare image: r / Σr = 2.5 / 11.5 of each epoch (the cut to N keeps proportions on average).
        double rare = counts[9] / 40000.0, common = counts[..9].Average() / 40000.0;
        Assert.InRange(rare, 0.20, 0.235);
        Assert.InRange(rare / common, 2.3, 2.7);
        Assert.Equal(sampling.EpochDraws(5, 7), sampling.EpochDraws(5, 7));
        Assert.NotEqual(sampling.EpochDraws(5, 7), sampling.EpochDraws(5, 8));
        Assert.NotEqual(sampling.EpochDraws(5, 7), sampling.EpochDraws(6, 7));
    }

    [Fact]
    public void CopiesOfAnImageGetDifferentDrawsAndTheLoaderMapsThemBack()
    {
        var sampling = new RepeatFactorSampling([1, 1, 1, 3]); // image 3 always enters three times: draws 3, 7, 11
        var draws = Enumerable.Range(0, 200).SelectMany(e => sampling.EpochDraws(1, e)).Where(d => d % 4 == 3).Distinct().Order();
        Assert.Equal([3, 7, 11], draws);

        using var data = new SyntheticFaceSet(count: 4, size: 16, classes: TrainerTests.Ids(LabelSets.CelebAMaskHq, "background", "skin", "nose", "hair"), valCount: 0);
        var dataset = DatasetLayouts.Open("folder", data.Root, LabelSets.CelebAMaskHq, data.TrainSplit, "train");
        var augment = new AugmentOptions { RotationDegrees = 20, Brightness = 0.5 };
        var loader = new DataLoader(dataset, CodecImageDecoder.Instance, new Augmenter(LabelSets.CelebAMaskHq, augment, 16, 16),
            new DataLoaderOptions { BatchSize = 4, Workers = 1, Seed = 1, RepeatFactors = sampling });
        var order = loader.EpochOrder(0);
        Assert.Equal(sampling.EpochDraws(1, 0), order);
        var batch = loader.LoadBatch(0, 0);
        Assert.Equal(order.Select(d => d % 4), batch.SampleIndices);
        // Two copies of image 3 are augmented differently; a draw equal to the index augments as without sampling.
        Assert.NotEqual(loader.LoadSample(0, 3, 3).Image.Pixels, loader.LoadSample(0, 3, 7).Image.Pixels);
        Assert.Equal(loader.LoadSample(0, 3).Image.Pixels, loader.LoadSample(0, 3, 3).Image.Pixels);

        Assert.Throws<ArgumentException>(() => new DataLoader(dataset, CodecImageDecoder.Instance, new Augmenter(LabelSets.CelebAMaskHq, augment, 16, 16),
            new DataLoaderOptions { BatchSize = 4, Workers = 1, RepeatFactors = new RepeatFactorSampling([1, 2]) }));
    }

    [Fact]
    public void PresenceReadsEachMasksClasses()
    {
        using var data = new SyntheticFaceSet(count: 3, size: 16, classes: TrainerTests.Ids(LabelSets.CelebAMaskHq, "background", "skin", "nose", "hair"), valCount: 0);
        var dataset = DatasetLayouts.Open("folder", data.Root, LabelSets.CelebAMaskHq, data.TrainSplit, "train");
        var presence = RepeatFactorSampling.Presence(dataset, maxDegreeOfParallelism: 2);
        Assert.Equal(3, presence.Length);
        for (int i = 0; i < 3; i++)
        {
            var pixels = PngDecoder.Decode(File.ReadAllBytes(dataset.Samples[i].MaskPath)).Image.Pixels; // the mask file's own values
            var expected = Enumerable.Range(0, LabelSets.CelebAMaskHq.Count).Select(c => pixels.Contains((byte)c));
            Assert.Equal(expected, presence[i]);
            Assert.True(presence[i][0] && presence[i][LabelSets.CelebAMaskHq.IdOf("skin")]);
        }
    }
}
