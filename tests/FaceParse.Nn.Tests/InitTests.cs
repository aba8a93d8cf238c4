using FaceParse.Tensors;

namespace FaceParse.Nn.Tests;

public sealed class InitTests
{
    private static Tensor Fill(Initializer init, int seed, params int[] shape)
    {
        var t = Tensor.Empty(shape);
        init(t, new Random(seed));
        return t;
    }

    // Sample mean within 5 standard errors of the expected mean, sample std within 2 % of the expected std.
    private static void AssertStats(Tensor t, double mean, double std)
    {
        var v = t.ToArray();
        double m = v.Average(x => (double)x);
        double s = Math.Sqrt(v.Sum(x => (x - m) * (x - m)) / (v.Length - 1));
        Assert.True(Math.Abs(m - mean) <= 5 * std / Math.Sqrt(v.Length), $"mean {m}, expected {mean}");
        Assert.True(Math.Abs(s - std) <= 0.02 * std, $"std {s}, expected {std}");
    }

    private static void AssertWithin(Tensor t, double low, double high)
    {
        var v = t.ToArray();
        Assert.True(v.Min() >= low && v.Max() <= high, $"range [{v.Min()}, {v.Max()}] outside [{low}, {high}]");
        // A uniform sample this large reaches within 1 % of both ends.
        Assert.True(v.Min() <= low + 0.01 * (high - low) && v.Max() >= high - 0.01 * (high - low));
    }

    [Theory]
    [InlineData(new[] { 10, 20 }, 20, 10)]
    [InlineData(new[] { 64, 3, 7, 7 }, 147, 3136)]
    [InlineData(new[] { 256, 128, 1, 1 }, 128, 256)]
    [InlineData(new[] { 8, 4, 3, 3 }, 36, 72)] // ConvTranspose2d weight [in, out, k, k]: torch's formula, same quirk
    [InlineData(new[] { 96, 1, 3, 3 }, 9, 864)] // depthwise conv [C, 1, k, k]
    public void FansFollowTorchForLinearAndConvShapes(int[] shape, int fanIn, int fanOut) =>
        Assert.Equal((fanIn, fanOut), Init.Fans(shape));

    [Fact]
    public void FansNeedTwoDimensions() => Assert.Throws<ArgumentException>(() => Init.Fans([5]));

    [Fact]
    public void GainsMatchTorch()
    {
        Assert.Equal(Math.Sqrt(2), Init.Gain(Nonlinearity.Relu), 12);
        Assert.Equal(5.0 / 3, Init.Gain(Nonlinearity.Tanh), 12);
        Assert.Equal(1, Init.Gain(Nonlinearity.Conv), 12);
        Assert.Equal(Math.Sqrt(2 / (1 + 0.01 * 0.01)), Init.Gain(Nonlinearity.LeakyRelu), 12);
        Assert.Equal(Math.Sqrt(2.0), Init.Gain(Nonlinearity.LeakyRelu, 0), 12); // kaiming_*(a=0) is the ReLU gain
        Assert.Equal(Math.Sqrt(1.0 / 3), Init.Gain(Nonlinearity.LeakyRelu, Math.Sqrt(5)), 12);
    }

    [Fact]
    public void TorchDefaultIsUniformOverOneOverSqrtFanIn()
    {
        double bound = 1 / Math.Sqrt(3 * 3 * 64);
        var w = Fill(Init.TorchDefault, 1, 128, 64, 3, 3);
        AssertWithin(w, -bound, bound);
        AssertStats(w, 0, bound / Math.Sqrt(3));
        var linear = Fill(Init.TorchDefault, 2, 300, 500);
        AssertWithin(linear, -1 / Math.Sqrt(500), 1 / Math.Sqrt(500));
        AssertWithin(Fill(Init.TorchBias(500), 3, 100_000), -1 / Math.Sqrt(500), 1 / Math.Sqrt(500));
    }

    [Fact]
    public void KaimingMatchesTorchStatistics()
    {
        int[] shape = [128, 64, 3, 3];
        double fanIn = 64 * 9, fanOut = 128 * 9;
        AssertStats(Fill(Init.KaimingNormal(nonlinearity: Nonlinearity.Relu), 1, shape), 0, Math.Sqrt(2 / fanIn));
        AssertStats(Fill(Init.KaimingNormal(mode: FanMode.FanOut, nonlinearity: Nonlinearity.Relu), 2, shape), 0, Math.Sqrt(2 / fanOut));
        double bound = Math.Sqrt(6 / fanIn);
        var u = Fill(Init.KaimingUniform(nonlinearity: Nonlinearity.Relu), 3, shape);
        AssertWithin(u, -bound, bound);
        AssertStats(u, 0, bound / Math.Sqrt(3));
        AssertWithin(Fill(Init.KaimingUniform(mode: FanMode.FanOut), 4, shape), -Math.Sqrt(6 / fanOut), Math.Sqrt(6 / fanOut));
    }

    [Fact]
    public void XavierMatchesTorchStatistics()
    {
        double std = Math.Sqrt(2.0 / (300 + 500));
        var u = Fill(Init.XavierUniform(), 1, 300, 500);
        AssertWithin(u, -Math.Sqrt(3) * std, Math.Sqrt(3) * std);
        AssertStats(u, 0, std);
        AssertStats(Fill(Init.XavierNormal(gain: 2), 2, 300, 500), 0, 2 * std);
    }

    [Fact]
    public void TruncNormalStaysInBoundsWithTruncatedStd()
    {
        // N(0,1) cut at ±2: variance 1 − 2·2·φ(2)/(Φ(2) − Φ(−2)).
        double phi2 = Math.Exp(-2) / Math.Sqrt(2 * Math.PI), mass = 0.9544997361036416;
        var t = Fill(Init.TruncNormal(), 1, 200_000);
        Assert.True(t.ToArray().All(v => v is >= -2 and <= 2));
        AssertStats(t, 0, Math.Sqrt(1 - 4 * phi2 / mass));

        // timm's ViT/Swin init: std 0.02 with the default ±2 bounds, which truncate nothing in practice.
        AssertStats(Fill(Init.TruncNormal(std: 0.02), 2, 200_000), 0, 0.02);

        var narrow = Fill(Init.TruncNormal(mean: 1, std: 0.5, a: 0.9, b: 1.3), 3, 50_000).ToArray();
        Assert.True(narrow.All(v => v is >= 0.9f and <= 1.3f));
        Assert.Throws<ArgumentException>(() => Init.TruncNormal(a: 6, b: 7));
    }

    [Fact]
    public void ConstantsUniformAndNormal()
    {
        Assert.All(Fill(Init.Zeros, 0, 3, 4).ToArray(), v => Assert.Equal(0f, v));
        Assert.All(Fill(Init.Ones, 0, 5).ToArray(), v => Assert.Equal(1f, v));
        Assert.All(Fill(Init.Constant(0.25), 0, 2, 2).ToArray(), v => Assert.Equal(0.25f, v));
        var u = Fill(Init.Uniform(-3, 5), 1, 100_000);
        AssertWithin(u, -3, 5);
        AssertStats(u, 1, 8 / Math.Sqrt(12));
        AssertStats(Fill(Init.Normal(2, 0.5), 2, 100_000), 2, 0.5);
        Assert.Equal(Fill(Init.Normal(0, 1), 7, 10).ToArray(), Fill(Init.Normal(0, 1), 7, 10).ToArray());
    }
}
