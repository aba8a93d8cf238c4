using System.Diagnostics;
using FaceParse.Nn.Optimizers;
using FaceParse.Nn.Schedules;
using FaceParse.Tensors;

namespace FaceParse.Nn.Tests;

/// <summary>The engine end to end: a tiny conv net + per-pixel MLP learns a synthetic segmentation task with AdamW.</summary>
public sealed class EndToEndTrainingTests(ITestOutputHelper output)
{
    private const int Size = 32, Classes = 4, Batch = 8;

    /// <summary>Seeded images [n, 3, 32, 32] (centred on 0) with 2–4 shapes over a noisy grey background; labels
    /// [n, 32, 32]: 0 background, 1 solid reddish ellipse, 2 solid bluish rectangle, 3 greenish rectangle with a
    /// 2-pixel checkerboard texture (±30 % brightness). Shapes may overlap; the later one wins. Per-image background
    /// grey 0.35–0.55, per-shape colour jitter ±0.08, per-pixel Gaussian noise σ 0.06.</summary>
    internal static (Tensor Images, IntTensor Labels) Shapes(int n, int seed)
    {
        var rng = new Random(seed);
        var images = Tensor.Empty(n, 3, Size, Size);
        var labels = IntTensor.Zeros(n, Size, Size);
        var px = images.Span;
        int plane = Size * Size;
        for (int b = 0; b < n; b++)
        {
            var label = labels.Data.AsSpan(b * plane, plane);
            var colour = new float[plane * 3];
            float grey = 0.35f + 0.2f * (float)rng.NextDouble();
            colour.AsSpan().Fill(grey);
            int shapes = rng.Next(2, 5);
            for (int s = 0; s < shapes; s++)
            {
                int cls = rng.Next(1, Classes);
                int cy = rng.Next(4, Size - 4), cx = rng.Next(4, Size - 4), ry = rng.Next(3, 8), rx = rng.Next(3, 8);
                float[] rgb = cls switch { 1 => [0.85f, 0.25f, 0.2f], 2 => [0.25f, 0.35f, 0.8f], _ => [0.3f, 0.75f, 0.35f] };
                for (int c = 0; c < 3; c++) rgb[c] += 0.16f * (float)rng.NextDouble() - 0.08f;
                for (int y = Math.Max(0, cy - ry); y <= Math.Min(Size - 1, cy + ry); y++)
                    for (int x = Math.Max(0, cx - rx); x <= Math.Min(Size - 1, cx + rx); x++)
                    {
                        double dy = (double)(y - cy) / ry, dx = (double)(x - cx) / rx;
                        if (cls == 1 && dy * dy + dx * dx > 1) continue;
                        int i = y * Size + x;
                        float shade = cls == 3 ? ((y / 2 + x / 2) % 2 == 0 ? 1.3f : 0.7f) : 1f;
                        for (int c = 0; c < 3; c++) colour[c * plane + i] = rgb[c] * shade;
                        label[i] = cls;
                    }
            }
            for (int i = 0; i < colour.Length; i++)
                px[b * 3 * plane + i] = colour[i] + 0.06f * (float)Init.StandardNormal(rng) - 0.5f;
        }
        return (images, labels);
    }

    /// <summary>Two 3×3 Conv2d + ReLU (the second dilated: receptive field 7×7), then a two-layer per-pixel
    /// <see cref="Mlp"/> on NHWC.</summary>
    // x [N, 3, H, W] → logits [N, 4, H, W]
    private sealed class TinySegNet : Module, IModule
    {
        public TinySegNet(VarBuilder vb, int width = 8, int hidden = 32)
        {
            Features = Child(vb, "features", v => new Sequential(
                new Conv2d(v.Sub(0), 3, width, 3, padding: 1), new Relu(),
                new Conv2d(v.Sub(2), width, width, 3, padding: 2, dilation: 2), new Relu()));
            Head = Child(vb, "head", v => new Mlp(v, width, hidden, Classes, 2));
        }

        public Sequential Features { get; }
        public Mlp Head { get; }

        public Tensor Forward(Tensor x) => Head.Forward(Features.Forward(x).Permute(0, 2, 3, 1)).Permute(0, 3, 1, 2);
    }

    private static (Tensor X, IntTensor Y) Slice(Tensor images, IntTensor labels, int start, int count)
    {
        int plane = Size * Size;
        var x = Tensor.FromArray(images.Span.Slice(start * 3 * plane, count * 3 * plane), count, 3, Size, Size);
        var y = new IntTensor(labels.Data.AsSpan(start * plane, count * plane).ToArray(), count, Size, Size);
        return (x, y);
    }

    /// <summary>Pixel accuracy and the mean F1 over the foreground classes.</summary>
    internal static (double Accuracy, double MeanF1, double[] F1) Score(IntTensor predicted, IntTensor truth)
    {
        var tp = new long[Classes];
        var fp = new long[Classes];
        var fn = new long[Classes];
        long correct = 0;
        for (int i = 0; i < truth.Count; i++)
        {
            int p = predicted.Data[i], t = truth.Data[i];
            if (p == t) { correct++; tp[t]++; }
            else { fp[p]++; fn[t]++; }
        }
        var f1 = Enumerable.Range(0, Classes).Select(c => 2.0 * tp[c] / Math.Max(1, 2 * tp[c] + fp[c] + fn[c])).ToArray();
        return ((double)correct / truth.Count, f1.Skip(1).Average(), f1);
    }

    // Measured (2 shared cores, load average 17–19, reference conv kernels): 80 steps in 9.5–13.8 s, identical numbers on
    // every run; loss (CE + Dice) 2.346 → 0.065; held-out pixel accuracy 0.982, mean foreground F1 0.964 (per class bg 0.989, 0.926, 0.990, 0.975).
    // Thresholds: accuracy ≥ 0.95, mean foreground F1 ≥ 0.90, final loss < 0.1 × initial.
    [Fact]
    public void TinyConvNetLearnsSyntheticSegmentationWithAdamW()
    {
        const int trainImages = 64, steps = 80;
        var (trainX, trainY) = Shapes(trainImages, seed: 11);
        var (testX, testY) = Shapes(32, seed: 12345);
        var model = new TinySegNet(VarBuilder.Init(3));
        var opt = new AdamW(ParamGroup.DecayAndNoDecay(model), lr: 0.02, weightDecay: 1e-4);
        var schedule = new LinearWarmup(new CosineAnnealingLr(0.02, steps), 10);

        var clock = Stopwatch.StartNew();
        float first = 0, last = 0;
        for (int step = 0; step < steps; step++)
        {
            using var scope = new TensorScope();
            var (x, y) = Slice(trainX, trainY, step * Batch % trainImages, Batch);
            opt.Lr = schedule.LrAt(step);
            opt.ZeroGrad();
            var logits = model.Forward(x);
            var loss = Tensor.CrossEntropy(logits, y) + Tensor.DiceLoss(logits, y);
            loss.Backward();
            opt.Step();
            last = loss.ToScalar();
            if (step == 0) first = last;
        }
        double trainSeconds = clock.Elapsed.TotalSeconds;

        model.Eval();
        IntTensor predicted;
        using (GradMode.NoGrad()) predicted = model.Forward(testX).ArgMax(1);
        var (accuracy, meanF1, f1) = Score(predicted, testY);
        output.WriteLine($"steps {steps}, train {trainSeconds:F1} s; loss {first:F4} → {last:F4}; held-out accuracy {accuracy:F4}, " +
            $"mean foreground F1 {meanF1:F4} (per class {string.Join(", ", f1.Select(v => v.ToString("F3")))})");

        Assert.True(last < 0.1f * first, $"final loss {last} is not below a tenth of the initial {first}.");
        Assert.True(accuracy >= 0.95, $"held-out pixel accuracy {accuracy}.");
        Assert.True(meanF1 >= 0.90, $"held-out mean foreground F1 {meanF1}.");
    }
}
