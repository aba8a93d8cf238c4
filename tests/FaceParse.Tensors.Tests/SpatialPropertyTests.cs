using FaceParse.Tensors;
using FsCheck;
using FsCheck.Fluent;

namespace FaceParse.Tensors.Tests;

// FsCheck-driven seeds: each case draws a random geometry (odd sizes, strides, padding, dilation, groups, batch) and
// compares the op with the naive double-precision reference of its test class. Forward only; gradients are in the
// per-op tests.
public sealed class SpatialPropertyTests
{
    private static void ForAllSeeds(int cases, Action<Random> body)
    {
        var property = Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
        {
            body(new Random(seed));
            return true;
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(cases), property);
    }

    [Fact]
    public void Conv2dMatchesReferenceOnRandomGeometries() => ForAllSeeds(25, rng =>
    {
        int groups = rng.Next(1, 4), cinG = rng.Next(1, 3), coutG = rng.Next(1, 3), k = rng.Next(1, 4), d = rng.Next(1, 3), s = rng.Next(1, 3), p = rng.Next(0, 3);
        int span = d * (k - 1) + 1, h = Math.Max(span - 2 * p, 1) + rng.Next(0, 5), w = Math.Max(span - 2 * p, 1) + rng.Next(0, 5);
        var x = Tensor.Uniform(rng, -1, 1, rng.Next(1, 3), cinG * groups, h, w);
        var wt = Tensor.Uniform(rng, -1, 1, coutG * groups, cinG, k, k);
        var b = rng.Next(2) == 0 ? null : Tensor.Uniform(rng, -1, 1, coutG * groups);
        OpCheck.Close(ConvTests.Reference(x, wt, b, s, p, d, groups), x.Conv2d(wt, b, s, p, d, groups).ToArray(), 1e-5f, 1e-4f, "conv2d");
    });

    [Fact]
    public void ConvTranspose2dMatchesReferenceOnRandomGeometries() => ForAllSeeds(25, rng =>
    {
        int groups = rng.Next(1, 4), cinG = rng.Next(1, 3), coutG = rng.Next(1, 3), k = rng.Next(1, 4), d = rng.Next(1, 3), s = rng.Next(1, 4);
        int p = rng.Next(0, (d * (k - 1) + 2) / 2 + 1), op = rng.Next(0, Math.Max(s, d));
        int h = rng.Next(1, 5) + 2 * p, w = rng.Next(1, 5) + 2 * p; // keeps the output size positive
        var x = Tensor.Uniform(rng, -1, 1, rng.Next(1, 3), cinG * groups, h, w);
        var wt = Tensor.Uniform(rng, -1, 1, cinG * groups, coutG, k, k);
        var b = rng.Next(2) == 0 ? null : Tensor.Uniform(rng, -1, 1, coutG * groups);
        OpCheck.Close(ConvTransposeTests.Reference(x, wt, b, s, p, op, groups, d), x.ConvTranspose2d(wt, b, s, p, op, groups, d).ToArray(), 1e-5f, 1e-4f, "conv_transpose2d");
    });

    [Fact]
    public void PoolingMatchesReferenceOnRandomGeometries() => ForAllSeeds(40, rng =>
    {
        int k = rng.Next(1, 5), s = rng.Next(1, 4), p = rng.Next(0, k / 2 + 1), d = rng.Next(1, 3);
        bool ceil = rng.Next(2) == 0, includePad = rng.Next(2) == 0;
        int h = d * (k - 1) + 1 + rng.Next(0, 6), w = d * (k - 1) + 1 + rng.Next(0, 6);
        var x = Tensor.Uniform(rng, -1, 1, rng.Next(1, 3), rng.Next(1, 3), h, w);
        var max = x.MaxPool2d(k, s, p, d, ceil);
        OpCheck.Close(PoolingTests.MaxReference(x, k, s, p, d, max.Dim(2), max.Dim(3)), max.ToArray(), 0, 0, "max_pool2d");
        var avg = x.AvgPool2d(k, s, p, ceil, includePad);
        OpCheck.Close(PoolingTests.AvgReference(x, k, s, p, includePad, avg.Dim(2), avg.Dim(3)), avg.ToArray(), 1e-6f, 1e-5f, "avg_pool2d");
    });

    [Fact]
    public void InterpolateMatchesReferenceOnRandomSizes() => ForAllSeeds(40, rng =>
    {
        var mode = (InterpolateMode)rng.Next(3);
        bool ac = mode != InterpolateMode.Nearest && rng.Next(2) == 0;
        var x = Tensor.Uniform(rng, -1, 1, rng.Next(1, 3), rng.Next(1, 3), rng.Next(1, 8), rng.Next(1, 8));
        int oh = rng.Next(1, 12), ow = rng.Next(1, 12);
        OpCheck.Close(InterpolateTests.Reference(x, oh, ow, mode, ac), x.Interpolate(oh, ow, mode, ac).ToArray(), 1e-5f, 1e-4f, $"interpolate {mode}");
    });
}
