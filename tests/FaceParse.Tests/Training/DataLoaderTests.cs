using FaceParse.Data;
using FaceParse.Labels;
using FaceParse.Tests.Data;
using FaceParse.Training;

namespace FaceParse.Tests.Training;

public sealed class DataLoaderTests : IDisposable
{
    private readonly Fixtures _f = new();

    public void Dispose() => _f.Dispose();

    private FolderDataset Dataset(int count, int size = 8)
    {
        for (int i = 0; i < count; i++)
        {
            _f.Photo($"images/s{i}.png", size, size);
            _f.PaletteMask($"masks/s{i}.png", size, size, Fixtures.Fill(size * size, (byte)(i % 5)));
        }
        return FolderDataset.Open(_f.Root, LabelSets.CelebAMaskHq);
    }

    private static DataLoader Loader(FaceParsingDataset ds, DataLoaderOptions options) =>
        new(ds, PngImageDecoder.Instance, new Augmenter(ds.Labels, new AugmentOptions(), 6, 6), options);

    private static List<TrainingBatch> ReadAll(DataLoader loader, int epoch) => [.. loader.ReadEpoch(epoch, TestContext.Current.CancellationToken)];

    [Fact]
    public void EpochsAreDeterministicWhateverTheNumberOfWorkers()
    {
        var ds = Dataset(7);
        var one = ReadAll(Loader(ds, new() { BatchSize = 2, Workers = 1, Prefetch = 1, Seed = 11 }), epoch: 3);
        var many = ReadAll(Loader(ds, new() { BatchSize = 2, Workers = 4, Prefetch = 3, Seed = 11 }), epoch: 3);
        Assert.Equal(3, one.Count); // 7 samples, batch 2, last partial batch dropped
        for (int b = 0; b < one.Count; b++)
        {
            Assert.Equal(one[b].SampleIndices, many[b].SampleIndices);
            Assert.Equal(one[b].Images.ToArray(), many[b].Images.ToArray());
            Assert.Equal(one[b].Labels.Data, many[b].Labels.Data);
        }
        var otherEpoch = ReadAll(Loader(ds, new() { BatchSize = 2, Seed = 11 }), epoch: 4);
        Assert.NotEqual(one.SelectMany(b => b.SampleIndices), otherEpoch.SelectMany(b => b.SampleIndices));
    }

    [Fact]
    public void BatchesHaveModelShapesAndNormalisedValues()
    {
        var ds = Dataset(3);
        var options = new DataLoaderOptions { BatchSize = 2, Shuffle = false, DropLast = false, Normalization = Normalization.Unit };
        var loader = new DataLoader(ds, PngImageDecoder.Instance, new Augmenter(ds.Labels, AugmentOptions.None, 8, 8), options);
        var batches = ReadAll(loader, 0);
        Assert.Equal([2, 1], batches.Select(b => b.Count));
        Assert.Equal([2, 3, 8, 8], batches[0].Images.Shape);
        Assert.Equal([2, 8, 8], batches[0].Labels.Shape);
        Assert.Equal(["s0", "s1"], batches[0].Stems);
        var (image, mask) = ds.LoadSample(ds.Samples[1], PngImageDecoder.Instance);
        Assert.Equal(image.Pixels[3 * 9 + 2] / 255f, batches[0].Images[1, 2, 1, 1], 5); // pixel (1,1), blue, of sample 1
        Assert.All(batches[0].Labels.Data.Skip(64), v => Assert.Equal(mask.Labels[0], v));

        var imagenet = SampleBatcher.Images([image], Normalization.ImageNet);
        Assert.Equal((image.Pixels[0] / 255f - 0.485f) / 0.229f, imagenet[0, 0, 0, 0], 5);
    }

    [Fact]
    public void ABrokenMaskSurfacesToTheConsumerNamingTheFile()
    {
        var ds = Dataset(4);
        string broken = ds.Samples[2].MaskPath;
        File.WriteAllBytes(broken, [1, 2, 3]);
        var loader = Loader(ds, new() { BatchSize = 1, Shuffle = false, Workers = 2 });
        var seen = new List<string>();
        var error = Assert.ThrowsAny<DatasetException>(() =>
        {
            foreach (var batch in loader.ReadEpoch(0, TestContext.Current.CancellationToken)) seen.Add(batch.Stems[0]);
        });
        Assert.Contains(broken, error.Message);
        Assert.Equal(["s0", "s1"], seen); // earlier batches arrive, in order, before the error
        Assert.ThrowsAny<DatasetException>(() => loader.Validate());
    }

    [Fact]
    public void AMisSizedMaskIsReportedUpFrontByValidate()
    {
        var ds = Dataset(2);
        _f.PaletteMask("masks/s1.png", 5, 5, new byte[25]);
        var error = Assert.ThrowsAny<DatasetException>(() => Loader(ds, new() { BatchSize = 1 }).Validate());
        Assert.Contains("s1.png", error.Message);
    }

    [Fact]
    public async Task CancellationStopsTheEpoch()
    {
        var ds = Dataset(6);
        var loader = Loader(ds, new() { BatchSize = 1, Workers = 2, Prefetch = 2 });
        using var cts = new CancellationTokenSource();
        int received = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in loader.ReadEpochAsync(0, cts.Token))
            {
                received++;
                cts.Cancel();
            }
        });
        Assert.Equal(1, received);
    }

    [Fact]
    public void QueryPixelsAreDistinctSeededAndCarryTheirLabels()
    {
        var data = Enumerable.Range(0, 2 * 4 * 5).Select(i => i % 19).ToArray();
        var labels = new FaceParse.Tensors.IntTensor(data, 2, 4, 5);
        var a = QueryPixelSampler.Sample(labels, 12, new Xoshiro256(8));
        var b = QueryPixelSampler.Sample(labels, 12, new Xoshiro256(8));
        Assert.Equal(a.Pixels.Data, b.Pixels.Data);
        Assert.Equal([2, 12, 2], a.Pixels.Shape);
        Assert.Equal([2, 12], a.Labels.Shape);
        for (int n = 0; n < 2; n++)
        {
            var picked = Enumerable.Range(0, 12).Select(q => (a.Pixels.Data[(n * 12 + q) * 2], a.Pixels.Data[(n * 12 + q) * 2 + 1])).ToList();
            Assert.Equal(12, picked.Distinct().Count());
            for (int q = 0; q < 12; q++)
            {
                var (y, x) = picked[q];
                Assert.Equal(data[n * 20 + y * 5 + x], a.Labels.Data[n * 12 + q]);
                Assert.Equal(-1f + (2f * y + 1f) / 4, a.Coordinates[n, q, 0], 6);
                Assert.Equal(-1f + (2f * x + 1f) / 5, a.Coordinates[n, q, 1], 6);
            }
        }
        var all = QueryPixelSampler.Sample(labels, 20, new Xoshiro256(1));
        Assert.Equal(20, Enumerable.Range(0, 20).Select(q => (all.Pixels.Data[q * 2], all.Pixels.Data[q * 2 + 1])).Distinct().Count());
        Assert.Equal(30, QueryPixelSampler.Sample(labels, 30, new Xoshiro256(1)).Queries); // more than H·W: with replacement
    }
}
