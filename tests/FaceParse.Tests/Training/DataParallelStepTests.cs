using FaceParse.Architectures;
using FaceParse.Inference;
using FaceParse.Labels;
using FaceParse.Tensors;
using FaceParse.Tensors.Runtime;
using FaceParse.Training;

namespace FaceParse.Tests.Training;

/// <summary><see cref="DataParallelStep"/>: the master's gradient is the part-size-weighted sum of each part's own gradient, the
/// result does not depend on thread timing, and <see cref="Parallelism.LimitThisThread"/> is per thread.</summary>
public sealed class DataParallelStepTests
{
    private static SegmentationModel Model(int seed) => SegmentationModel.CreateNew("fp-liif-tiny", LabelSets.CelebAMaskHq, 16, seed);

    private static (Tensor Images, IntTensor Labels) Batch(int n)
    {
        var rng = new Random(4);
        var images = Tensor.Uniform(rng, 0f, 1f, n, 3, 16, 16);
        var labels = new IntTensor([.. Enumerable.Range(0, n * 256).Select(_ => rng.Next(4) == 0 ? 255 : rng.Next(5))], n, 16, 16);
        return (images, labels);
    }

    private static TrainingStepContext Context(ulong seed) => new(seed) { QueriesPerImage = 64, LabelSmoothing = 0.05f };

    [Theory]
    [InlineData(2, 4)]
    [InlineData(3, 5)] // unequal parts: 1, 2, 2 images
    public void MasterGradientIsTheWeightedSumOfEachPartsGradient(int k, int n)
    {
        var master = Model(seed: 1);
        var step = new DataParallelStep(master.Network, [.. Enumerable.Range(0, k).Select(r => Model(seed: 10 + r).Network)]);
        var (images, labels) = Batch(n);
        var context = Context(7);
        double loss = step.LossAndGradients(images, labels, context);

        // Reference, on this thread: the same parts with the same per-part seeds (drawn in order from a generator in the same
        // state), each on a fresh copy of the master, gradients summed with weights n_r / n.
        var seeds = new Xoshiro256(7);
        var expected = master.Module.NamedParameters().ToDictionary(kv => kv.Key, kv => new double[kv.Value.Count]);
        double expectedLoss = 0;
        var partSeeds = Enumerable.Range(0, k).Select(_ => seeds.NextUInt64()).ToArray();
        for (int r = 0; r < k; r++)
        {
            int start = r * n / k, count = (r + 1) * n / k - start;
            var copy = Model(seed: 99);
            copy.Module.LoadStateDict(master.Module.StateDict());
            var partLabels = new IntTensor(labels.Data.AsSpan(start * 256, count * 256).ToArray(), count, 16, 16);
            var l = copy.Network.TrainingLoss(images.Narrow(0, start, count).Contiguous(), partLabels, Context(partSeeds[r]));
            l.Backward();
            expectedLoss += l.ToScalar() * count / n;
            foreach (var (key, p) in copy.Module.NamedParameters())
                if (p.Grad is { } g)
                {
                    var values = g.Contiguous().ToArray();
                    for (int i = 0; i < values.Length; i++) expected[key][i] += values[i] * count / n;
                }
        }
        Assert.Equal(expectedLoss, loss, 5);
        int checkedParameters = 0;
        foreach (var (key, p) in master.Module.NamedParameters())
        {
            Assert.NotNull(p.Grad);
            var actual = p.Grad!.Contiguous().ToArray();
            for (int i = 0; i < actual.Length; i++) Assert.True(Math.Abs(actual[i] - expected[key][i]) <= 1e-5 + 1e-4 * Math.Abs(expected[key][i]), $"{key}[{i}]: {actual[i]} vs {expected[key][i]}");
            checkedParameters++;
        }
        Assert.True(checkedParameters > 5);
        Assert.NotEqual(0.0, master.Module.Parameters().Sum(p => p.Grad!.ToArray().Sum(Math.Abs)));
    }

    [Fact]
    public void RepeatedStepsGiveBitwiseEqualGradients()
    {
        float[][] Run()
        {
            var master = Model(seed: 1);
            var step = new DataParallelStep(master.Network, [Model(2).Network, Model(3).Network]);
            var (images, labels) = Batch(4);
            step.LossAndGradients(images, labels, Context(5));
            return [.. master.Module.Parameters().Select(p => p.Grad!.Contiguous().ToArray())];
        }
        var a = Run();
        for (int t = 0; t < 3; t++)
        {
            var b = Run();
            for (int j = 0; j < a.Length; j++) Assert.True(a[j].AsSpan().SequenceEqual(b[j]), $"parameter {j} differs on repeat {t}");
        }
    }

    [Fact]
    public void ReplicasMustMatchTheMaster()
    {
        var master = Model(1);
        Assert.Throws<ArgumentException>(() => new DataParallelStep(master.Network, [Model(2).Network]));
        var other = SegmentationModel.CreateNew("fp-liif-small", LabelSets.CelebAMaskHq, 16, 1);
        var e = Assert.Throws<ArgumentException>(() => new DataParallelStep(master.Network, [Model(2).Network, other.Network]));
        Assert.Contains("Replica parameter", e.Message);
    }

    [Fact]
    public void ThreadLimitIsPerThreadAndRestored()
    {
        int global = Parallelism.Threads;
        using (Parallelism.LimitThisThread(1))
        {
            Assert.Equal(1, Parallelism.Threads);
            int seenElsewhere = 0;
            var other = new Thread(() => seenElsewhere = Parallelism.Threads);
            other.Start();
            other.Join();
            Assert.Equal(global, seenElsewhere);
            var threads = new System.Collections.Concurrent.ConcurrentBag<int>();
            Parallelism.For(64, _ => threads.Add(Environment.CurrentManagedThreadId));
            Assert.Single(threads.Distinct()); // inline on this thread
        }
        Assert.Equal(global, Parallelism.Threads);
        Assert.Throws<ArgumentException>(() => Parallelism.LimitThisThread(0));
    }
}
