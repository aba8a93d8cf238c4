using FaceParse.Tensors.Kernels;
using FaceParse.Tensors.Runtime;
using static FaceParse.Tensors.Tests.Kernels.KernelTestSupport;

namespace FaceParse.Tensors.Tests.Kernels;

/// <summary><see cref="Conv2d.ForwardRows"/> (bands of output rows) against the whole-map forward, and
/// <see cref="ConvChain"/> (depth-first) against the same convolutions one after another, at every SIMD level and thread count.</summary>
[Collection("kernels-global")]
public sealed class ConvChainTests
{
    [Fact]
    public void BandsOfRowsAssembleToTheWholeForwardAndTouchNothingElse()
    {
        var rng = new Random(3);
        int banded = 0;
        ForEachConfiguration((level, threads) =>
        {
            foreach (var g in Conv2dTests.WinogradGeometries)
            {
                var x = Random(rng, g.InputSize);
                var w = Random(rng, g.WeightSize);
                var bias = Random(rng, g.OutChannels);
                var residual = Random(rng, g.OutputSize);
                var whole = new float[g.OutputSize];
                Conv2d.Forward(x, w, bias, residual, g, Epilogue.Relu, whole);
                var bands = new float[g.OutputSize];
                Array.Fill(bands, float.NaN);
                if (!Conv2d.SupportsRows(g))
                {
                    Assert.Throws<NotSupportedException>(() => Conv2d.ForwardRows(x, w, bias, residual, g, Epilogue.Relu, bands, 0, 2));
                    continue;
                }
                banded++;
                // the middle band alone leaves every other row as it was
                int mid = g.OutHeight / 2 & ~1;
                Conv2d.ForwardRows(x, w, bias, residual, g, Epilogue.Relu, bands, mid, mid + 2);
                for (int i = 0; i < bands.Length; i++)
                {
                    int row = i / g.OutWidth % g.OutHeight;
                    Assert.True(row >= mid && row < mid + 2 ? bands[i] == whole[i] : float.IsNaN(bands[i]), $"{level} t={threads} {g}: element {i} (row {row})");
                }
                // random even splits cover the map and give the whole forward bit for bit
                for (int start = 0; start < g.OutHeight;)
                {
                    int end = Math.Min(g.OutHeight, start + 2 * rng.Next(1, 4));
                    Conv2d.ForwardRows(x, w, bias, residual, g, Epilogue.Relu, bands, start, end);
                    start = end;
                }
                Assert.Equal(whole, bands);
            }
        });
        if (CpuFeatures.Detected == SimdLevel.Avx512) Assert.True(banded > 0, "no configuration ran the banded kernel");
    }

    [Fact]
    public void RowsMustStartOnATileAndStayInTheMap()
    {
        if (CpuFeatures.Detected != SimdLevel.Avx512) Assert.Skip("No AVX-512 on this machine: no banded kernel.");
        var g = Conv2dTests.WinogradGeometries[0];
        var x = new float[g.InputSize];
        var w = new float[g.WeightSize];
        var y = new float[g.OutputSize];
        foreach (var (start, end) in new[] { (1, 4), (-2, 4), (4, 4), (0, 3), (0, g.OutHeight + 2) })
            Assert.Throws<ArgumentOutOfRangeException>(() => Conv2d.ForwardRows(x, w, default, default, g, Epilogue.None, y, start, end));
    }

    // an EDSR group on x [2, 16, H, 20]: two blocks relu(conv1) → conv2 + h, then conv + x
    private static (Tensor X, List<ConvStep> Steps) Group(Random rng, int height)
    {
        Tensor Init(params int[] shape) => Tensor.FromArray(Random(rng, shape.Aggregate(1, (a, b) => a * b)).Select(v => v * 0.3f).ToArray(), shape);
        var x = Init(2, 16, height, 20);
        var steps = new List<ConvStep>();
        int h = 0;
        for (int b = 0; b < 2; b++)
        {
            steps.Add(new ConvStep(h, Init(16, 16, 3, 3), Init(16), -1, Epilogue.Relu));
            steps.Add(new ConvStep(steps.Count, Init(16, 16, 3, 3), Init(16), h, Epilogue.None));
            h = steps.Count;
        }
        steps.Add(new ConvStep(h, Init(16, 16, 3, 3), null, 0, Epilogue.None));
        return (x, steps);
    }

    private static float[] OneAfterAnother(Tensor x, List<ConvStep> steps)
    {
        var values = new List<Tensor> { x };
        foreach (var s in steps) values.Add(values[s.Input].Conv2d(s.Weight, s.Bias, s.Residual < 0 ? null : values[s.Residual], s.Epilogue, padding: 1));
        return values[^1].ToArray();
    }

    [Theory]
    [InlineData(37)]
    [InlineData(64)]
    [InlineData(6)]
    public void DepthFirstChainEqualsTheConvolutionsOneAfterAnother(int height)
    {
        var rng = new Random(height);
        var (x, steps) = Group(rng, height);
        ForEachConfiguration((level, threads) =>
        {
            using var noGrad = GradMode.NoGrad();
            float[] expected = OneAfterAnother(x, steps);
            Assert.True(expected.Max() - expected.Min() > 0.5f, "the chain's output barely varies");
            foreach (int band in new[] { 2, 4, 16, 64 })
                Assert.True(expected.AsSpan().SequenceEqual(ConvChain.Run(x, steps, band).ToArray()), $"{level} t={threads} H={height} band {band}");
        });
    }

    [Fact]
    public void RecordingGradientsRunsTheStepsOneAfterAnotherWithTheirBackward()
    {
        var (x, steps) = Group(new Random(9), 12);
        foreach (var s in steps) s.Weight.RequiresGrad = true;
        var y = ConvChain.Run(x, steps);
        y.Sum().Backward();
        Assert.All(steps, s => Assert.True(s.Weight.Grad is { } g && g.ToArray().Any(v => v != 0), "a weight got no gradient"));
        using var noGrad = GradMode.NoGrad();
        Assert.Equal(OneAfterAnother(x, steps), y.ToArray());
    }

    [Fact]
    public void StepsMayReadOnlyEarlierValues()
    {
        var (x, steps) = Group(new Random(1), 8);
        steps[1] = steps[1] with { Input = 3 };
        Assert.Throws<ArgumentException>(() => ConvChain.Run(x, steps));
        Assert.Throws<ArgumentOutOfRangeException>(() => ConvChain.Run(x, Group(new Random(1), 8).Steps, 3));
    }
}
