using FaceParse.Tensors;

namespace FaceParse.Tensors.Tests;

/// <summary>Ops the Swin / ConvNeXt / MobileNetV3 backbones add: roll, window partition/reverse, L2 normalize,
/// stochastic depth, the relative-position-bias gather.</summary>
public sealed class WindowOpsTests
{
    [Fact]
    public void RollKnownValues()
    {
        var x = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
        Assert.Equal([3f, 1f, 2f, 6f, 4f, 5f], x.Roll([1], [1]).ToArray());          // torch.roll(x, 1, 1)
        Assert.Equal([5f, 6f, 4f, 2f, 3f, 1f], x.Roll([-1, 1], [1, 0]).ToArray());   // torch.roll(x, (-1, 1), (1, 0))
        Assert.Equal(x.ToArray(), x.Roll([3, -2], [1, 0]).ToArray());                 // full turns
    }

    [Theory]
    [InlineData(new[] { -3, 2 }, new[] { 1, 2 })]
    [InlineData(new[] { 4, -7 }, new[] { 1, 2 })]
    [InlineData(new[] { 1 }, new[] { -1 })]
    public void RollMatchesIndexReferenceAndFiniteDifferences(int[] shifts, int[] axes)
    {
        var rng = new Random(shifts.Sum() + 11);
        var x = OpCheck.Input(rng, [2, 5, 4, 3]);
        var y = x.Roll(shifts, axes);
        var expected = new float[x.Count];
        var xs = x.ToArray();
        for (int i = 0; i < expected.Length; i++)
        {
            var idx = Reference.Unravel(i, x.Shape);
            for (int k = 0; k < shifts.Length; k++)
            {
                int d = axes[k] < 0 ? axes[k] + 4 : axes[k], n = x.Dim(d);
                idx[d] = (((idx[d] - shifts[k]) % n) + n) % n;
            }
            expected[i] = xs[Reference.Ravel(idx, x.Shape)];
        }
        OpCheck.Close(expected, y.ToArray(), 0, 0, "roll");
        OpCheck.Gradients(v => v[0].Roll(shifts, axes), [x]);
    }

    [Fact]
    public void WindowPartitionMatchesLoopsAndReverses()
    {
        var rng = new Random(5);
        var x = OpCheck.Input(rng, [2, 6, 8, 3]);
        var win = x.WindowPartition(3, 4);
        Assert.Equal([2 * 2 * 2, 12, 3], win.Shape);
        var xs = x.ToArray();
        var expected = new float[x.Count];
        int o = 0;
        for (int b = 0; b < 2; b++)
            for (int wy = 0; wy < 2; wy++)
                for (int wx = 0; wx < 2; wx++)
                    for (int i = 0; i < 3; i++)
                        for (int j = 0; j < 4; j++)
                            for (int c = 0; c < 3; c++)
                                expected[o++] = xs[Reference.Ravel([b, wy * 3 + i, wx * 4 + j, c], x.Shape)];
        OpCheck.Close(expected, win.ToArray(), 0, 0, "window_partition");
        OpCheck.Close(xs, win.WindowReverse(3, 4, 6, 8).ToArray(), 0, 0, "window_reverse");
        OpCheck.Gradients(v => v[0].WindowPartition(3, 4).Mul(2f).WindowReverse(3, 4, 6, 8), [x]);
        Assert.Throws<ArgumentException>(() => x.WindowPartition(4, 4));
    }

    [Fact]
    public void L2NormalizeMatchesDoubleReferenceAndFiniteDifferences()
    {
        var rng = new Random(3);
        var x = OpCheck.Input(rng, [3, 4, 5]);
        var xs = Reference.D(x);
        var expected = new double[xs.Length];
        foreach (var lane in Reference.Lanes(x.Shape, 2))
        {
            double n = Math.Max(Math.Sqrt(lane.Sum(i => xs[i] * xs[i])), 1e-12);
            foreach (int i in lane) expected[i] = xs[i] / n;
        }
        OpCheck.Close(Reference.F(expected), x.L2Normalize(-1).ToArray(), 1e-6f, 1e-5f, "normalize");
        OpCheck.Gradients(v => v[0].L2Normalize(-1), [x], eps: 1e-3f);
        Assert.Equal([0f, 0f], Tensor.Zeros(1, 2).L2Normalize().ToArray()); // eps keeps zero vectors finite
    }

    [Fact]
    public void StochasticDepthIsIdentityInEvalAndDropsWholeRowsInTraining()
    {
        var rng = new Random(1);
        var x = OpCheck.Input(rng, [64, 3, 2]);
        Assert.Same(x, x.StochasticDepth(0.5f, rowMode: true, training: false, rng));
        var y = x.StochasticDepth(0.25f, rowMode: true, training: true, new Random(2)).ToArray();
        var xs = x.ToArray();
        int dropped = 0;
        for (int n = 0; n < 64; n++)
        {
            bool zero = y[n * 6] == 0f;
            if (zero) dropped++;
            for (int i = 0; i < 6; i++)
                Assert.Equal(zero ? 0f : xs[n * 6 + i] / 0.75f, y[n * 6 + i], 1e-6f);
        }
        Assert.InRange(dropped, 4, 32); // ~16 of 64 expected
        OpCheck.Gradients(v => v[0].StochasticDepth(0.5f, true, true, new Random(9)), [x]);
    }

    [Fact]
    public void RelativePositionBiasGatherIsIndexSelectOfTheTable()
    {
        // torchvision: bias = table[index].view(N, N, heads).permute(2, 0, 1) for a 2×2 window (N = 4, table 9×heads).
        var rng = new Random(4);
        var table = OpCheck.Input(rng, [9, 2]);
        var index = new int[16];
        for (int a = 0; a < 4; a++)
            for (int b = 0; b < 4; b++)
                index[a * 4 + b] = ((a / 2 - b / 2) + 1) * 3 + (a % 2 - b % 2) + 1;
        var bias = table.IndexSelect(0, new IntTensor(index, 16)).Reshape(4, 4, 2).Permute(2, 0, 1);
        var ts = table.ToArray();
        for (int h = 0; h < 2; h++)
            for (int i = 0; i < 16; i++)
                Assert.Equal(ts[index[i] * 2 + h], bias[h, i / 4, i % 4]);
        OpCheck.Gradients(v => v[0].IndexSelect(0, new IntTensor(index, 16)), [table]);
    }
}
