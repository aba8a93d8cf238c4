using FaceParse.Tensors;

namespace FaceParse.Tensors.Tests;

public sealed class NormalizationTests
{
    // Double-precision normalisation of x[N, C, S]: elements with the same key share mean and biased var; affine per c.
    private static float[] NormRef(Tensor x, Func<int, int, int, int> key, Tensor? w, Tensor? b, double eps)
    {
        int n = x.Shape[0], c = x.Shape[1], s = x.Count / (n * c);
        var xd = Reference.D(x);
        var groups = new Dictionary<int, List<int>>();
        for (int i = 0; i < xd.Length; i++)
        {
            int k = key(i / (c * s), i / s % c, i % s);
            if (!groups.TryGetValue(k, out var list)) groups[k] = list = [];
            list.Add(i);
        }
        var y = new double[xd.Length];
        foreach (var list in groups.Values)
        {
            double mean = list.Average(i => xd[i]), var = list.Average(i => (xd[i] - mean) * (xd[i] - mean));
            foreach (int i in list) y[i] = (xd[i] - mean) / Math.Sqrt(var + eps) * (w is null ? 1 : w[i / s % c]) + (b is null ? 0 : b[i / s % c]);
        }
        return Reference.F(y);
    }

    private static readonly float Atol = 2e-5f, Rtol = 1e-4f;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void LayerNormMatchesReferenceAndGradients(int seed)
    {
        var rng = new Random(seed);
        var x = OpCheck.Input(rng, [2, 3, 7], -2f, 3f);
        var w = OpCheck.Input(rng, [7]);
        var b = OpCheck.Input(rng, [7]);
        // Last dim as "C" with S = 1 and one key per row.
        var expected = NormRef(x.Reshape(6, 7, 1).Detach(), (n, _, _) => n, w, b, 1e-5);
        OpCheck.Close(expected, x.LayerNorm(w, b).ToArray(), Atol, Rtol);
        OpCheck.Gradients(v => v[0].LayerNorm(v[1], v[2]), [x, w, b], eps: 1e-2f, atol: 3e-3f, rtol: 2e-2f);
        OpCheck.Gradients(v => v[0].Transpose(0, 1).LayerNorm(), [x], eps: 1e-2f, atol: 3e-3f, rtol: 2e-2f);
    }

    [Fact]
    public void LayerNormPutsEpsInsideTheSqrtOfTheBiasedVarianceAndHandlesConstantRows()
    {
        // Row [1, 2, 3, 4]: mean 2.5, biased var 1.25; eps 0.5 → divide by √1.75.
        var x = Tensor.FromArray([1f, 2f, 3f, 4f, 7f, 7f, 7f, 7f], 2, 4);
        x.RequiresGrad = true;
        var y = x.LayerNorm(eps: 0.5f);
        double r = Math.Sqrt(1.75);
        OpCheck.Close([(float)(-1.5 / r), (float)(-0.5 / r), (float)(0.5 / r), (float)(1.5 / r), 0, 0, 0, 0], y.ToArray(), 1e-6f, 1e-6f);
        y.Mul(Tensor.FromArray([1f, -2f, 3f, 0.5f, 1f, -2f, 3f, 0.5f], 2, 4)).Sum().Backward();
        Assert.All(x.Grad!.ToArray(), v => Assert.True(float.IsFinite(v)));
        var c = Tensor.Full(3f, 1, 2, 2, 2).LayerNorm2d();
        Assert.All(c.ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void LayerNorm2dGroupNormInstanceNormMatchReferenceAndGradients()
    {
        var rng = new Random(4);
        var x = OpCheck.Input(rng, [2, 6, 3, 5], -2f, 2f);
        var w = OpCheck.Input(rng, [6]);
        var b = OpCheck.Input(rng, [6]);
        int s = 15;
        OpCheck.Close(NormRef(x, (n, _, p) => n * s + p, w, b, 1e-6), x.LayerNorm2d(w, b).ToArray(), Atol, Rtol, "layer_norm2d");
        OpCheck.Close(NormRef(x, (n, c, _) => n * 3 + c / 2, w, b, 1e-5), x.GroupNorm(3, w, b).ToArray(), Atol, Rtol, "group_norm");
        OpCheck.Close(NormRef(x, (n, c, _) => n * 6 + c, null, null, 1e-5), x.InstanceNorm().ToArray(), Atol, Rtol, "instance_norm");
        OpCheck.Gradients(v => v[0].LayerNorm2d(v[1], v[2]), [x, w, b], atol: 3e-3f);
        OpCheck.Gradients(v => v[0].GroupNorm(3, v[1], v[2]), [x, w, b], atol: 3e-3f);
        OpCheck.Gradients(v => v[0].InstanceNorm(), [x], atol: 3e-3f);
        var e = Assert.Throws<ArgumentException>(() => x.GroupNorm(4, w, b));
        Assert.Contains("[2, 6, 3, 5]", e.Message);
        Assert.Throws<ArgumentException>(() => x.LayerNorm2d(Tensor.Ones(5)));
        Assert.Throws<ArgumentException>(() => x.Reshape(2, 6, 15).LayerNorm2d());
    }

    [Fact]
    public void BatchNormTrainsOnBatchStatsAndUpdatesRunningVarUnbiased()
    {
        var rng = new Random(6);
        var x = OpCheck.Input(rng, [3, 4, 2, 3], -1f, 3f);
        var w = OpCheck.Input(rng, [4]);
        var b = OpCheck.Input(rng, [4]);
        var rm = Tensor.Zeros(4);
        var rv = Tensor.Ones(4);
        var y = x.BatchNorm2d(rm, rv, w, b, training: true, momentum: 0.1f);
        OpCheck.Close(NormRef(x, (_, c, _) => c, w, b, 1e-5), y.ToArray(), Atol, Rtol, "batch_norm train");
        var xd = Reference.D(x);
        for (int c = 0; c < 4; c++)
        {
            var vals = Enumerable.Range(0, xd.Length).Where(i => i / 6 % 4 == c).Select(i => xd[i]).ToArray();
            double mean = vals.Average(), unbiased = vals.Sum(v => (v - mean) * (v - mean)) / (vals.Length - 1);
            Assert.Equal(0.1 * mean, rm[c], 5);
            Assert.Equal(0.9 + 0.1 * unbiased, rv[c], 5);
        }
        OpCheck.Gradients(v => v[0].BatchNorm2d(null, null, v[1], v[2]), [x, w, b], atol: 3e-3f);
        // Eval: running stats, constants for the gradient.
        var evalY = x.BatchNorm2d(rm, rv, w, b, training: false);
        var expected = new float[x.Count];
        for (int i = 0; i < expected.Length; i++)
        {
            int c = i / 6 % 4;
            expected[i] = (float)((xd[i] - rm[c]) / Math.Sqrt(rv[c] + 1e-5) * w[c] + b[c]);
        }
        OpCheck.Close(expected, evalY.ToArray(), Atol, Rtol, "batch_norm eval");
        OpCheck.Gradients(v => v[0].BatchNorm2d(rm, rv, v[1], v[2], training: false), [x, w, b], atol: 3e-3f);
        Assert.Throws<ArgumentException>(() => Tensor.Ones(1, 4, 1, 1).BatchNorm2d(rm, rv));
        Assert.Throws<ArgumentException>(() => x.BatchNorm2d(Tensor.Zeros(3), rv));
    }
}
