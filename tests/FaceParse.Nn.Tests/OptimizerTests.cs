using FaceParse.Nn.Optimizers;
using FaceParse.Tensors;

namespace FaceParse.Nn.Tests;

/// <summary>Optimiser steps against double-precision references written straight from the torch.optim formulas.</summary>
public sealed class OptimizerTests
{
    private static readonly double[] P0 = [1.0, -2.0, 0.5];
    private static readonly double[][] Grads = [[0.1, -0.2, 0.3], [-0.5, 0.4, 0.0], [0.25, 0.1, -0.05]];

    // Runs the optimiser for Grads.Length steps on one parameter starting at P0; returns the parameter after each step.
    private static float[][] Run(Func<ParamGroup[], Optimizer> make)
    {
        var p = Tensor.FromArray(P0.Select(v => (float)v).ToArray(), P0.Length);
        p.RequiresGrad = true;
        var opt = make([ParamGroup.Of(Parameter.Create(p, "w"))]);
        var result = new List<float[]>();
        foreach (var g in Grads)
        {
            p.Grad = Tensor.FromArray(g.Select(v => (float)v).ToArray(), g.Length);
            opt.Step();
            result.Add(p.ToArray());
        }
        return [.. result];
    }

    private static double[][] SgdReference(double lr, double momentum, double dampening, bool nesterov, double wd)
    {
        var p = (double[])P0.Clone();
        double[]? buf = null;
        var result = new List<double[]>();
        foreach (var grad in Grads)
        {
            var g = grad.Select((x, i) => x + wd * p[i]).ToArray();
            if (momentum != 0)
            {
                buf = buf is null ? g : buf.Select((b, i) => momentum * b + (1 - dampening) * g[i]).ToArray();
                g = nesterov ? g.Select((x, i) => x + momentum * buf[i]).ToArray() : buf;
            }
            p = p.Select((x, i) => x - lr * g[i]).ToArray();
            result.Add(p);
        }
        return [.. result];
    }

    private static double[][] AdamReference(double lr, double b1, double b2, double eps, double wd, bool amsgrad, bool decoupled)
    {
        int n = P0.Length;
        double[] p = (double[])P0.Clone(), m = new double[n], v = new double[n], vMax = new double[n];
        var result = new List<double[]>();
        for (int t = 1; t <= Grads.Length; t++)
        {
            for (int i = 0; i < n; i++)
            {
                double g = Grads[t - 1][i];
                if (decoupled) p[i] *= 1 - lr * wd;
                else g += wd * p[i];
                m[i] = b1 * m[i] + (1 - b1) * g;
                v[i] = b2 * v[i] + (1 - b2) * g * g;
                vMax[i] = Math.Max(vMax[i], v[i]);
                double denom = Math.Sqrt(amsgrad ? vMax[i] : v[i]) / Math.Sqrt(1 - Math.Pow(b2, t)) + eps;
                p[i] -= lr / (1 - Math.Pow(b1, t)) * m[i] / denom;
            }
            result.Add((double[])p.Clone());
        }
        return [.. result];
    }

    private static void AssertClose(double[][] expected, float[][] actual)
    {
        for (int s = 0; s < expected.Length; s++)
            for (int i = 0; i < expected[s].Length; i++)
                Assert.True(Math.Abs(actual[s][i] - expected[s][i]) <= 1e-6 + 1e-5 * Math.Abs(expected[s][i]),
                    $"step {s + 1}, element {i}: {actual[s][i]}, expected {expected[s][i]}");
    }

    [Theory]
    [InlineData(0.0, 0.0, false, 0.0)]
    [InlineData(0.9, 0.0, false, 0.0)]
    [InlineData(0.9, 0.1, false, 0.05)]
    [InlineData(0.9, 0.0, true, 0.05)]
    public void SgdMatchesTorchFormulas(double momentum, double dampening, bool nesterov, double wd) =>
        AssertClose(SgdReference(0.1, momentum, dampening, nesterov, wd), Run(g => new Sgd(g, 0.1, momentum, dampening, nesterov, wd)));

    [Fact]
    public void SgdMomentumByHand()
    {
        // buf₁ = g₁, p₁ = p₀ − 0.1·g₁ = [0.99, −1.98, 0.47]; buf₂ = 0.9·g₁ + g₂ = [−0.41, 0.22, 0.27]; p₂ = p₁ − 0.1·buf₂.
        var steps = Run(g => new Sgd(g, 0.1, momentum: 0.9));
        AssertClose([[0.99, -1.98, 0.47], [1.031, -2.002, 0.443]], steps[..2]);
    }

    [Theory]
    [InlineData(0.0, false)]
    [InlineData(0.1, false)]
    [InlineData(0.1, true)]
    public void AdamMatchesTorchFormulas(double wd, bool amsgrad) =>
        AssertClose(AdamReference(0.1, 0.9, 0.999, 1e-8, wd, amsgrad, decoupled: false), Run(g => new Adam(g, 0.1, weightDecay: wd, amsgrad: amsgrad)));

    [Theory]
    [InlineData(0.1, false)]
    [InlineData(0.5, true)]
    public void AdamWMatchesTorchFormulas(double wd, bool amsgrad) =>
        AssertClose(AdamReference(0.1, 0.9, 0.999, 1e-8, wd, amsgrad, decoupled: true), Run(g => new AdamW(g, 0.1, weightDecay: wd, amsgrad: amsgrad)));

    [Fact]
    public void FirstAdamStepsByHand()
    {
        // Step 1 of Adam moves every coordinate by lr·g/(|g| + ε) ≈ lr·sign(g); AdamW first shrinks p by (1 − lr·wd).
        AssertClose([[0.9, -1.9, 0.4]], Run(g => new Adam(g, 0.1))[..1]);
        AssertClose([[0.89, -1.88, 0.395]], Run(g => new AdamW(g, 0.1, weightDecay: 0.1))[..1]);
    }

    [Fact]
    public void StateDictKeysAndValidation()
    {
        var net = new TinyNet(VarBuilder.Init(1));
        var opt = new AdamW([ParamGroup.Of(net)], amsgrad: true);
        net.Forward(Tensor.Ones(2, 3)).Sum().Backward();
        net.Decoder.Norm.Bias.Grad = null; // no gradient: no update, no state
        opt.Step();
        var state = opt.StateDict();
        Assert.Equal(1f, state["state.decoder.layers.0.weight.step"].ToScalar());
        Assert.Equal([4, 4], state["state.decoder.layers.0.weight.exp_avg"].Shape);
        Assert.True(state.ContainsKey("state.encoder.bias.exp_avg_sq"));
        Assert.True(state.ContainsKey("state.encoder.bias.max_exp_avg_sq"));
        Assert.False(state.ContainsKey("state.decoder.norm.bias.step"));
        Assert.Equal(0, opt.StateOf("decoder.norm.bias").Step);

        var bad = new Dictionary<string, Tensor>(state) { ["state.head.weight.exp_avg"] = Tensor.Zeros(1) };
        bad["state.encoder.bias.exp_avg"] = Tensor.Zeros(5);
        var ex = Assert.Throws<InvalidDataException>(() => opt.LoadStateDict(bad));
        Assert.Contains("unexpected key 'state.head.weight.exp_avg'", ex.Message);
        Assert.Contains("'state.encoder.bias.exp_avg' has shape [5], parameter has [4]", ex.Message);

        var incomplete = new Dictionary<string, Tensor>(state);
        incomplete.Remove("state.encoder.weight.exp_avg_sq");
        incomplete["state.encoder.weight.momentum_buffer"] = Tensor.Zeros(4, 3);
        ex = Assert.Throws<InvalidDataException>(() => opt.LoadStateDict(incomplete));
        Assert.Contains("missing key 'state.encoder.weight.exp_avg_sq'", ex.Message);
        Assert.Contains("unexpected key 'state.encoder.weight.momentum_buffer'", ex.Message);
        Assert.Equal(1, opt.StateOf("encoder.weight").Step); // a rejected load changes nothing
    }

    [Fact]
    public void ParamGroupsOverrideWeightDecayAndScaleLr()
    {
        var net = new TinyNet(VarBuilder.Init(1));
        var groups = ParamGroup.DecayAndNoDecay(net);
        Assert.All(groups[0].Parameters, kv => Assert.EndsWith("weight", kv.Key));
        Assert.Contains(groups[1].Parameters, kv => kv.Key == "decoder.norm.weight");
        var bias = net.Encoder.Bias!;
        var before = bias.ToArray();
        bias.Grad = Tensor.Zeros(4);
        new AdamW(groups, lr: 0.1, weightDecay: 0.5).Step(); // zero grad and no decay for the bias: unchanged
        Assert.Equal(before, bias.ToArray());

        var w = net.Encoder.Weight;
        var w0 = w.ToArray();
        w.Grad = Tensor.Ones(4, 3);
        new Sgd([new ParamGroup([new("encoder.weight", w)]) { LrScale = 0.5 }], lr: 0.2).Step();
        OptimizerAssert.Close(w0.Select(v => v - 0.1f).ToArray(), w.ToArray());
    }

    [Fact]
    public void ClipGradNormFollowsTorch()
    {
        var a = Tensor.Zeros(2);
        var b = Tensor.Zeros(1);
        var none = Tensor.Zeros(3);
        void SetGrads()
        {
            a.Grad = Tensor.FromArray([3f, 4f], 2);
            b.Grad = Tensor.FromArray([-12f], 1);
        }

        SetGrads();
        Assert.Equal(13, GradClip.ClipGradNorm([a, b, none], 100), 5);
        Assert.Equal([3f, 4f], a.Grad!.ToArray());
        double total = GradClip.ClipGradNorm([a, b, none], 6.5);
        Assert.Equal(13, total, 5);
        float coef = (float)(6.5 / (13 + 1e-6));
        OptimizerAssert.Close([3 * coef, 4 * coef], a.Grad!.ToArray());
        OptimizerAssert.Close([-12 * coef], b.Grad!.ToArray());

        SetGrads();
        Assert.Equal(12, GradClip.ClipGradNorm([a, b], 100, double.PositiveInfinity), 5);
        Assert.Equal(19, GradClip.ClipGradNorm([a, b], 100, 1), 5);
        Assert.Equal(0, GradClip.ClipGradNorm([none], 1));
        b.Grad = Tensor.FromArray([float.NaN], 1);
        Assert.Throws<InvalidOperationException>(() => GradClip.ClipGradNorm([a, b], 1, errorIfNonfinite: true));
    }
}

internal static class OptimizerAssert
{
    public static void Close(float[] expected, float[] actual, float tol = 1e-6f)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol, $"[{i}] = {actual[i]}, expected {expected[i]}");
    }
}
