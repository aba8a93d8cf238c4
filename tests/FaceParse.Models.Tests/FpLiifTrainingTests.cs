using System.Diagnostics;
using FaceParse.Nn.Optimizers;

namespace FaceParse.Models.Tests;

/// <summary>Query-based training: the loss, gradient flow to every parameter, and a tiny overfit run.</summary>
public sealed class FpLiifTrainingTests(ITestOutputHelper output)
{
    private const int Ignore = 255;

    /// <summary>Seeded images [n, 3, s, s] in [0, 1] and labels [n, s, s]: a noisy grey background (0), a reddish
    /// ellipse (1), a bluish rectangle (2), a greenish square (3); the outermost pixel ring is labelled 255 (ignored).</summary>
    private static (Tensor Images, IntTensor Labels) Shapes(int n, int size, int seed)
    {
        var rng = new Random(seed);
        var images = Tensor.Empty(n, 3, size, size);
        var labels = IntTensor.Zeros(n, size, size);
        int plane = size * size;
        float[][] colours = [[0.5f, 0.5f, 0.5f], [0.9f, 0.2f, 0.2f], [0.2f, 0.3f, 0.9f], [0.25f, 0.8f, 0.3f]];
        for (int b = 0; b < n; b++)
        {
            int ey = rng.Next(8, size - 8), ex = rng.Next(8, size - 8), ry = rng.Next(4, 8), rx = rng.Next(4, 8);
            int ty = rng.Next(2, size - 12), tx = rng.Next(2, size - 12), sy = rng.Next(12, 20), sx = rng.Next(4, 8), sq = rng.Next(2, size - 8);
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++)
                {
                    double dy = (double)(y - ey) / ry, dx = (double)(x - ex) / rx;
                    int cls = dy * dy + dx * dx <= 1 ? 1 : y >= ty && y < Math.Min(size, ty + sy) && x >= tx && x < tx + sx ? 2
                        : y >= sq && y < sq + 6 && x >= sq && x < sq + 6 ? 3 : 0;
                    bool border = y == 0 || x == 0 || y == size - 1 || x == size - 1;
                    labels.Data[b * plane + y * size + x] = border ? Ignore : cls;
                    for (int c = 0; c < 3; c++)
                        images.Span[(b * 3 + c) * plane + y * size + x] = Math.Clamp(colours[cls][c] + 0.1f * ((float)rng.NextDouble() - 0.5f), 0f, 1f);
                }
        }
        return (images, labels);
    }

    /// <summary><paramref name="q"/> random pixels per image of an s × s grid: (y, x) centres [n, q, 2] and their labels [n, q].</summary>
    private static (Tensor Coords, IntTensor Labels) SamplePixels(IntTensor labels, int q, Random rng)
    {
        int n = labels.Dim(0), h = labels.Dim(1), w = labels.Dim(2);
        var coords = new float[n * q * 2];
        var picked = new int[n * q];
        for (int b = 0; b < n; b++)
            for (int i = 0; i < q; i++)
            {
                int y = rng.Next(h), x = rng.Next(w), p = b * q + i;
                coords[2 * p] = -1f + (2f * y + 1f) / h;
                coords[2 * p + 1] = -1f + (2f * x + 1f) / w;
                picked[p] = labels.Data[(b * h + y) * w + x];
            }
        return (Tensor.FromArray(coords, n, q, 2), new IntTensor(picked, n, q));
    }

    [Theory]
    [InlineData(FpLiifUpsampling.Bilinear)]
    [InlineData(FpLiifUpsampling.LocalEnsemble)]
    public void QueryTrainingStepReachesEveryParameter(FpLiifUpsampling upsampling)
    {
        var config = FpLiifConfigs.Tiny with { NumClasses = 4, Upsampling = upsampling };
        var model = new FpLiifModel(VarBuilder.Init(3), config);
        var (images, labels) = Shapes(2, 24, 4);
        var (coords, picked) = SamplePixels(labels, 64, new Random(5));
        var (z, g) = model.Encode(images);
        var loss = new FpLiifLoss().Compute(model.Query(z, g, coords, (24, 24)), picked);
        Assert.True(float.IsFinite(loss.ToScalar()));
        loss.Backward();
        foreach (var (name, p) in model.NamedParameters())
        {
            Assert.True(p.Grad is not null, $"{name} has no gradient");
            var grad = p.Grad!.ToArray();
            Assert.True(grad.All(float.IsFinite), $"{name} has a non-finite gradient");
            Assert.True(grad.Any(v => v != 0f), $"{name} has an all-zero gradient");
        }
    }

    [Fact]
    public void LossIgnoresLabel255AndMixesCeAndDice()
    {
        var logits = Tensor.Uniform(new Random(1), -2f, 2f, 2, 5, 4);
        var labels = new IntTensor([0, 1, 2, 255, 3, 255, 1, 0, 2, 3], 2, 5);
        float both = new FpLiifLoss().Compute(logits, labels).ToScalar();
        float ce = new FpLiifLoss { CeWeight = 1f, DiceWeight = 0f }.Compute(logits, labels).ToScalar();
        float dice = new FpLiifLoss { CeWeight = 0f, DiceWeight = 1f }.Compute(logits, labels).ToScalar();
        Assert.Equal(0.5f * ce + 0.5f * dice, both, 5);
        float expectedCe = Tensor.CrossEntropy(logits.Permute(0, 2, 1), labels, ignoreIndex: 255).ToScalar();
        Assert.Equal(expectedCe, ce, 5);
        Assert.True(float.IsFinite(dice) && dice > 0f);
    }

    [Fact]
    public void LabelSmoothingIsTorchsOnTheCrossEntropyTermOnly()
    {
        var logits = Tensor.Uniform(new Random(3), -2f, 2f, 1, 3, 4); // [N=1, Q=3, K=4]
        var labels = new IntTensor([2, 0, 255], 1, 3);
        const float eps = 0.2f;
        float ce = new FpLiifLoss { CeWeight = 1f, DiceWeight = 0f, LabelSmoothing = eps }.Compute(logits, labels).ToScalar();
        // torch: per counted pixel −(1−ε)·log p_y − (ε/K)·Σ_c log p_c, averaged over the counted pixels (ignored one left out).
        var x = logits.ToArray();
        double total = 0;
        foreach (var (q, y) in new[] { (0, 2), (1, 0) })
        {
            var row = x.AsSpan(q * 4, 4).ToArray().Select(v => (double)v).ToArray();
            double lse = Math.Log(row.Sum(Math.Exp));
            total += -(1 - eps) * (row[y] - lse) - eps / 4 * row.Sum(v => v - lse);
        }
        Assert.Equal(total / 2, ce, 5);
        float dice = new FpLiifLoss { CeWeight = 0f, DiceWeight = 1f }.Compute(logits, labels).ToScalar();
        Assert.Equal(dice, new FpLiifLoss { CeWeight = 0f, DiceWeight = 1f, LabelSmoothing = eps }.Compute(logits, labels).ToScalar());
    }

    [Fact]
    public void ClassWeightsWeightTheCrossEntropyTermLikeTorch()
    {
        var logits = Tensor.Uniform(new Random(2), -2f, 2f, 1, 3, 4); // [N=1, Q=3, K=4]
        var labels = new IntTensor([2, 0, 255], 1, 3);
        var weights = Tensor.FromArray([1f, 1f, 3f, 1f], 4);
        float weighted = new FpLiifLoss { CeWeight = 1f, DiceWeight = 0f, ClassWeights = weights }.Compute(logits, labels).ToScalar();
        // torch: Σ w[y]·(−log p_y) / Σ w[y] over the counted pixels (here pixels 0 and 1; pixel 2 is ignored).
        double Nll(int q, int y)
        {
            double max = double.NegativeInfinity, sum = 0;
            for (int k = 0; k < 4; k++) max = Math.Max(max, logits[0, q, k]);
            for (int k = 0; k < 4; k++) sum += Math.Exp(logits[0, q, k] - max);
            return -(logits[0, q, y] - max - Math.Log(sum));
        }
        double expected = (3 * Nll(0, 2) + 1 * Nll(1, 0)) / (3 + 1);
        Assert.Equal(expected, weighted, 5);
    }

    /// <summary>fp-liif-tiny (4 classes) on two 32×32 images, 256 random query pixels per image per step, AdamW:
    /// pixel accuracy of the full 32×32 fast-path prediction must pass 0.9 within 300 steps.</summary>
    [Fact]
    public void TinyModelOverfitsTwoImages()
    {
        var config = FpLiifConfigs.Tiny with { NumClasses = 4 };
        var model = new FpLiifModel(VarBuilder.Init(7), config);
        var (images, labels) = Shapes(2, 32, 8);
        var optimizer = new AdamW([ParamGroup.Of(model)], lr: 6e-3, weightDecay: 0);
        var loss = new FpLiifLoss();
        var rng = new Random(9);
        var clock = Stopwatch.StartNew();
        double accuracy = 0;
        int step = 0;
        while (step < 300 && accuracy <= 0.9)
        {
            var (coords, picked) = SamplePixels(labels, 256, rng);
            var (z, g) = model.Encode(images);
            var value = loss.Compute(model.Query(z, g, coords, (32, 32)), picked);
            value.Backward();
            optimizer.Step();
            optimizer.ZeroGrad();
            if (++step % 10 == 0)
            {
                accuracy = PixelAccuracy(model, images, labels);
                output.WriteLine($"step {step}: loss {value.ToScalar():F4}, pixel accuracy {accuracy:P1}, {clock.Elapsed.TotalSeconds:F1} s");
            }
        }
        Assert.True(accuracy > 0.9, $"pixel accuracy {accuracy:P1} after {step} steps");
    }

    private static double PixelAccuracy(FpLiifModel model, Tensor images, IntTensor labels)
    {
        int n = labels.Dim(0), h = labels.Dim(1), w = labels.Dim(2), k = model.Config.NumClasses, plane = h * w;
        float[] logits;
        using (GradMode.NoGrad()) logits = model.Forward(images, h, w).ToArray();
        int correct = 0, counted = 0;
        for (int b = 0; b < n; b++)
            for (int p = 0; p < plane; p++)
            {
                int label = labels.Data[b * plane + p];
                if (label == Ignore) continue;
                int best = 0;
                for (int c = 1; c < k; c++)
                    if (logits[(b * k + c) * plane + p] > logits[(b * k + best) * plane + p]) best = c;
                counted++;
                if (best == label) correct++;
            }
        return (double)correct / counted;
    }
}
