using FaceParse.Tensors;

namespace FaceParse.Tensors.Tests;

public sealed class LossAttentionTests
{
    // torch.nn.functional.cross_entropy written out in double for logits[N, C, S] (flat), per position.
    private static (double[] PerPosition, double Denominator) CrossEntropyRef(double[] x, int n, int c, int s, int[] t, double[] w, int ignore, double eps)
    {
        var loss = new double[n * s];
        double den = 0;
        for (int ni = 0; ni < n; ni++)
            for (int si = 0; si < s; si++)
            {
                int ti = t[ni * s + si];
                if (ti == ignore) continue;
                var z = Enumerable.Range(0, c).Select(ci => x[(ni * c + ci) * s + si]).ToArray();
                double lse = Math.Log(z.Sum(v => Math.Exp(v)));
                double smooth = Enumerable.Range(0, c).Sum(ci => w[ci] * (z[ci] - lse));
                loss[ni * s + si] = -(1 - eps) * w[ti] * (z[ti] - lse) - eps / c * smooth;
                den += w[ti];
            }
        return (loss, den);
    }

    [Fact]
    public void CrossEntropyWithWeightsIgnoreAndSmoothingMatchesHandComputation()
    {
        double[] x = [1, 2, 0.5, 0.1, -1, 2, 3, 0, 0];
        double[] w = [0.5, 2, 1];
        int[] t = [1, -100, 0];
        const double eps = 0.1;
        // Row 0, target 1: logp = z − log Σ e^z.
        double lse0 = Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(0.5)), lse2 = Math.Log(Math.Exp(3) + 2);
        double l0 = -(1 - eps) * 2 * (2 - lse0) - eps / 3 * (0.5 * (1 - lse0) + 2 * (2 - lse0) + 1 * (0.5 - lse0));
        double l2 = -(1 - eps) * 0.5 * (3 - lse2) - eps / 3 * (0.5 * (3 - lse2) + 2 * (0 - lse2) + 1 * (0 - lse2));
        double mean = (l0 + l2) / (2 + 0.5); // weighted mean: divide by Σ w[target] of non-ignored rows
        var logits = Tensor.FromArray(Reference.F(x), 3, 3);
        var target = new IntTensor(t, 3);
        var weights = Tensor.FromArray(Reference.F(w), 3);
        Assert.Equal(mean, Tensor.CrossEntropy(logits, target, weights, labelSmoothing: 0.1f).ToScalar(), 5);
        Assert.Equal(l0 + l2, Tensor.CrossEntropy(logits, target, weights, labelSmoothing: 0.1f, reduction: Reduction.Sum).ToScalar(), 5);
        OpCheck.Close([(float)l0, 0f, (float)l2], Tensor.CrossEntropy(logits, target, weights, labelSmoothing: 0.1f, reduction: Reduction.None).ToArray(), 1e-5f, 1e-5f);
        // Unweighted, no smoothing: mean of −logp[t] over the two kept rows.
        Assert.Equal(-((2 - lse0) + (3 - lse2)) / 2, Tensor.CrossEntropy(logits, target).ToScalar(), 5);
    }

    [Theory]
    [InlineData(Reduction.Mean, 0f, false)]
    [InlineData(Reduction.Mean, 0.2f, true)]
    [InlineData(Reduction.Sum, 0.1f, true)]
    [InlineData(Reduction.None, 0.3f, true)]
    public void CrossEntropyOnSegmentationMapsMatchesReferenceAndGradients(Reduction reduction, float smoothing, bool weighted)
    {
        var rng = new Random((int)reduction * 10 + (weighted ? 1 : 0));
        int n = 2, c = 4, h = 3, wd = 5, s = h * wd;
        var logits = OpCheck.Input(rng, [n, c, h, wd], -3f, 3f);
        var t = Enumerable.Range(0, n * s).Select(_ => rng.Next(6) == 0 ? 255 : rng.Next(c)).ToArray();
        var target = new IntTensor(t, n, h, wd);
        var weights = weighted ? Tensor.Uniform(rng, 0.5f, 2f, c) : null;
        double[] w = weights is null ? [1, 1, 1, 1] : Reference.D(weights);
        var (loss, den) = CrossEntropyRef(Reference.D(logits), n, c, s, t, w, 255, smoothing);
        var y = Tensor.CrossEntropy(logits, target, weights, 255, smoothing, reduction);
        float[] expected = reduction switch
        {
            Reduction.None => Reference.F(loss),
            Reduction.Sum => [(float)loss.Sum()],
            _ => [(float)(loss.Sum() / den)],
        };
        OpCheck.Close(expected, y.ToArray(), 1e-5f, 1e-5f);
        OpCheck.Gradients(v => Tensor.CrossEntropy(v[0], target, weights, 255, smoothing, reduction), [logits], eps: 1e-2f, atol: 1e-3f, rtol: 2e-2f);
    }

    [Fact]
    public void CrossEntropyRejectsBadTargetsAndStaysFiniteForHugeLogits()
    {
        var logits = Tensor.Zeros(2, 3, 4);
        var e = Assert.Throws<ArgumentException>(() => Tensor.CrossEntropy(logits, IntTensor.Zeros(2, 5)));
        Assert.Contains("[2, 5]", e.Message);
        Assert.Contains("[2, 3, 4]", e.Message);
        Assert.Throws<ArgumentException>(() => Tensor.CrossEntropy(logits, new IntTensor([0, 1, 3, 0, 0, 0, 0, 0], 2, 4)));
        Assert.Throws<ArgumentException>(() => Tensor.CrossEntropy(logits, IntTensor.Zeros(2, 4), Tensor.Ones(2)));
        var huge = Tensor.FromArray([-1e30f, 0f, 1e30f, 5f], 2, 2);
        huge.RequiresGrad = true;
        var l = Tensor.CrossEntropy(huge, new IntTensor([0, 1], 2), labelSmoothing: 0.1f, reduction: Reduction.Sum);
        l.Backward();
        Assert.True(float.IsFinite(l.ToScalar()), $"{l.ToScalar()}"); // −log p of a −1e30 logit is ~1e30, not NaN or ∞
        Assert.All(huge.Grad!.ToArray(), v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void DiceLossMatchesBatchWideReferenceAndGradients()
    {
        var rng = new Random(8);
        int n = 2, c = 3, s = 12;
        var logits = OpCheck.Input(rng, [n, c, 3, 4], -2f, 2f);
        var t = Enumerable.Range(0, n * s).Select(_ => rng.Next(5) == 0 ? -100 : rng.Next(c)).ToArray();
        var target = new IntTensor(t, n, 3, 4);
        var x = Reference.D(logits);
        double[] inter = new double[c], sp = new double[c], sp2 = new double[c], st = new double[c];
        for (int ni = 0; ni < n; ni++)
            for (int si = 0; si < s; si++)
            {
                if (t[ni * s + si] == -100) continue;
                var p = Reference.Softmax(Enumerable.Range(0, c).Select(ci => x[(ni * c + ci) * s + si]).ToArray());
                for (int ci = 0; ci < c; ci++)
                {
                    double oh = t[ni * s + si] == ci ? 1 : 0;
                    inter[ci] += p[ci] * oh;
                    sp[ci] += p[ci];
                    sp2[ci] += p[ci] * p[ci];
                    st[ci] += oh;
                }
            }
        double expected = 1 - Enumerable.Range(0, c).Average(ci => (2 * inter[ci] + 1e-5) / (sp[ci] + st[ci] + 1e-5));
        Assert.Equal(expected, Tensor.DiceLoss(logits, target).ToScalar(), 5);
        OpCheck.Gradients(v => Tensor.DiceLoss(v[0], target), [logits], eps: 1e-2f, atol: 5e-4f, rtol: 2e-2f);
        // SegFace's dice_loss.py: denominator Σp² + Σt²
        double squared = 1 - Enumerable.Range(0, c).Average(ci => (2 * inter[ci] + 1e-5) / (sp2[ci] + st[ci] + 1e-5));
        Assert.Equal(squared, Tensor.DiceLoss(logits, target, squaredSums: true).ToScalar(), 5);
        Assert.NotEqual(expected, squared, 3);
        OpCheck.Gradients(v => Tensor.DiceLoss(v[0], target, squaredSums: true), [logits], eps: 1e-2f, atol: 5e-4f, rtol: 2e-2f);
        Assert.Throws<ArgumentException>(() => Tensor.DiceLoss(logits, new IntTensor(t.Select(v => v == 0 ? 7 : v).ToArray(), n, 3, 4)));
        Assert.Throws<ArgumentException>(() => Tensor.DiceLoss(logits, IntTensor.Zeros(n, 4, 3)));
    }

    [Fact]
    public void ScaledDotProductAttentionMatchesNaiveSoftmaxAttention()
    {
        var rng = new Random(9);
        int b = 2, h = 2, lq = 3, lk = 5, d = 4, dv = 3;
        var q = OpCheck.Input(rng, [b, h, lq, d]);
        var k = OpCheck.Input(rng, [b, h, lk, d]);
        var v = OpCheck.Input(rng, [b, h, lk, dv]);
        var mask = Tensor.Zeros(lq, lk);
        mask[0, 4] = float.NegativeInfinity;
        mask[2, 1] = -1.5f;
        double[] qd = Reference.D(q), kd = Reference.D(k), vd = Reference.D(v), md = Reference.D(mask);
        var expected = new double[b * h * lq * dv];
        for (int bh = 0; bh < b * h; bh++)
            for (int i = 0; i < lq; i++)
            {
                var scores = Enumerable.Range(0, lk).Select(j => Enumerable.Range(0, d).Sum(p => qd[(bh * lq + i) * d + p] * kd[(bh * lk + j) * d + p]) / Math.Sqrt(d) + md[i * lk + j]).ToArray();
                var p = Reference.Softmax(scores);
                for (int c = 0; c < dv; c++) expected[(bh * lq + i) * dv + c] = Enumerable.Range(0, lk).Sum(j => p[j] * vd[(bh * lk + j) * dv + c]);
            }
        OpCheck.Close(Reference.F(expected), Tensor.ScaledDotProductAttention(q, k, v, mask).ToArray(), 1e-6f, 1e-5f);
        OpCheck.Gradients(x => Tensor.ScaledDotProductAttention(x[0], x[1], x[2], mask), [q, k, v], eps: 1e-2f, atol: 1e-3f, rtol: 2e-2f);
        var e = Assert.Throws<ArgumentException>(() => Tensor.ScaledDotProductAttention(q, Tensor.Zeros(b, h, lk, d + 1), v));
        Assert.Contains("[2, 2, 5, 5]", e.Message);
    }
}
