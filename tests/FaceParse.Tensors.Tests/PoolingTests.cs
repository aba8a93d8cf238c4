using FaceParse.Tensors;

namespace FaceParse.Tensors.Tests;

public sealed class PoolingTests
{
    // Distinct values spaced 0.05 apart, so finite differences (eps 1e-3) never swap a window's maximum.
    private static Tensor Distinct(Random rng, int[] shape)
    {
        int n = Shapes.Count(shape);
        var values = Enumerable.Range(0, n).Select(i => 0.05f * i - 0.025f * n).OrderBy(_ => rng.Next()).ToArray();
        var t = Tensor.FromArray(values, shape);
        t.RequiresGrad = true;
        return t;
    }

    // Naive max pool: out-of-range taps are skipped (−∞ padding).
    internal static float[] MaxReference(Tensor x, int k, int s, int p, int d, int ho, int wo)
    {
        var y = new List<float>();
        for (int b = 0; b < x.Dim(0); b++)
        for (int c = 0; c < x.Dim(1); c++)
        for (int oy = 0; oy < ho; oy++)
        for (int ox = 0; ox < wo; ox++)
        {
            float m = float.NegativeInfinity;
            for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++)
            {
                int iy = oy * s - p + ky * d, ix = ox * s - p + kx * d;
                if (iy >= 0 && iy < x.Dim(2) && ix >= 0 && ix < x.Dim(3)) m = Math.Max(m, x[b, c, iy, ix]);
            }
            y.Add(m);
        }
        return [.. y];
    }

    // Naive avg pool written from torch's definition: window [o·s − p, o·s − p + k) ∩ [−p, in + p) gives the padded
    // count, ∩ [0, in) the summed pixels.
    internal static float[] AvgReference(Tensor x, int k, int s, int p, bool includePad, int ho, int wo)
    {
        var y = new List<float>();
        int h = x.Dim(2), w = x.Dim(3);
        for (int b = 0; b < x.Dim(0); b++)
        for (int c = 0; c < x.Dim(1); c++)
        for (int oy = 0; oy < ho; oy++)
        for (int ox = 0; ox < wo; ox++)
        {
            double sum = 0;
            int real = 0, padded = 0;
            for (int iy = oy * s - p; iy < oy * s - p + k; iy++)
            for (int ix = ox * s - p; ix < ox * s - p + k; ix++)
            {
                if (iy < h + p && ix < w + p) padded++;
                if (iy >= 0 && iy < h && ix >= 0 && ix < w) { sum += x[b, c, iy, ix]; real++; }
            }
            y.Add((float)(sum / (includePad ? padded : real)));
        }
        return [.. y];
    }

    [Theory]
    // H, W, kernel, stride, padding, dilation, ceil -> expected Ho, Wo (torch's pooling_output_shape by hand)
    [InlineData(5, 6, 2, 2, 0, 1, false, 2, 3)]
    [InlineData(5, 6, 2, 2, 0, 1, true, 3, 3)]
    [InlineData(5, 5, 2, 2, 1, 1, true, 3, 3)]   // ceil would give 4, but that window would start in the right padding
    [InlineData(7, 6, 3, 2, 1, 2, false, 3, 2)]  // dilation 2: (7 + 2 − 4 − 1)/2 + 1 = 3; (6 + 2 − 5)/2 + 1 = 2
    [InlineData(6, 7, 3, 1, 1, 1, true, 6, 7)]
    public void MaxPoolMatchesReferenceAndRoutesGradientToArgmax(int h, int w, int k, int s, int p, int d, bool ceil, int ho, int wo)
    {
        var rng = new Random(h * 10 + w);
        var x = Distinct(rng, [2, 3, h, w]);
        var y = x.MaxPool2d(k, s, p, d, ceil);
        Assert.Equal([2, 3, ho, wo], y.Shape);
        OpCheck.Close(MaxReference(x, k, s, p, d, ho, wo), y.ToArray(), 0, 0, "max_pool2d");
        // Piecewise linear with well-separated values: exact up to float rounding.
        OpCheck.Gradients(v => v[0].MaxPool2d(k, s, p, d, ceil), [x], eps: 1e-3f, atol: 1e-3f);
    }

    [Fact]
    public void MaxPoolTiesTakeTheFirstMaximum()
    {
        var x = Tensor.FromArray([1f, 3f, 3f, 2f], 1, 1, 2, 2);
        x.RequiresGrad = true;
        x.MaxPool2d(2).Sum().Backward();
        Assert.Equal([0f, 1f, 0f, 0f], x.Grad!.ToArray());
        var inf = Tensor.Full(float.NegativeInfinity, 1, 1, 2, 2);
        inf.RequiresGrad = true;
        inf.MaxPool2d(2, 1, 1).Sum().Backward(); // every window is all −∞: the gradient goes to its first in-range tap
        Assert.Equal([4f, 2f, 2f, 1f], inf.Grad!.ToArray());
    }

    [Theory]
    [InlineData(5, 6, 2, 2, 0, false, true)]
    [InlineData(5, 5, 3, 2, 1, true, true)]
    [InlineData(5, 5, 3, 2, 1, true, false)]
    [InlineData(7, 4, 3, 3, 1, false, false)]
    [InlineData(6, 5, 2, 1, 1, true, false)]
    public void AvgPoolMatchesReferenceAndFiniteDifferences(int h, int w, int k, int s, int p, bool ceil, bool includePad)
    {
        var rng = new Random(h + 3 * k);
        var x = OpCheck.Input(rng, [2, 2, h, w]);
        var y = x.AvgPool2d(k, s, p, ceil, includePad);
        int ho = y.Dim(2), wo = y.Dim(3);
        OpCheck.Close(AvgReference(x, k, s, p, includePad, ho, wo), y.ToArray(), 1e-6f, 1e-5f, "avg_pool2d");
        OpCheck.Gradients(v => v[0].AvgPool2d(k, s, p, ceil, includePad), [x]);
    }

    [Fact]
    public void AvgPoolCountIncludePadKnownValues()
    {
        // 2x2 ones, kernel 2, stride 1, padding 1: the corner window covers 1 real pixel of 4.
        var x = Tensor.Ones(1, 1, 2, 2);
        Assert.Equal([0.25f, 0.5f, 0.25f, 0.5f, 1f, 0.5f, 0.25f, 0.5f, 0.25f], x.AvgPool2d(2, 1, 1, countIncludePad: true).ToArray());
        Assert.All(x.AvgPool2d(2, 1, 1, countIncludePad: false).ToArray(), v => Assert.Equal(1f, v));
    }

    [Fact]
    public void AdaptiveAvgPoolBinsFiveToThree()
    {
        // torch bins for 5 -> 3: [floor(0), ceil(5/3)) = [0,2), [floor(5/3), ceil(10/3)) = [1,4), [floor(10/3), 5) = [3,5).
        var x = Tensor.FromArray([0f, 1f, 2f, 3f, 4f], 1, 1, 1, 5);
        Assert.Equal([0.5f, 2f, 3.5f], x.AdaptiveAvgPool2d(1, 3).ToArray());
        var img = Tensor.Arange(25).Reshape(1, 1, 5, 5);
        var y = img.AdaptiveAvgPool2d(3, 3);
        // row bins average rows {0,1}, {1,2,3}, {3,4}; value = 5·rowMean + colMean
        float[] rowMean = [0.5f, 2f, 3.5f];
        var expected = rowMean.SelectMany(r => rowMean.Select(c => 5 * r + c)).ToArray();
        OpCheck.Close(expected, y.ToArray(), what: "adaptive 5x5 -> 3x3");
    }

    [Theory]
    [InlineData(5, 7, 3, 2)]
    [InlineData(4, 4, 4, 4)]
    [InlineData(3, 5, 6, 7)] // upsampling bins overlap
    public void AdaptiveAvgPoolMatchesReferenceAndFiniteDifferences(int h, int w, int oh, int ow)
    {
        var rng = new Random(h * w);
        var x = OpCheck.Input(rng, [2, 3, h, w]);
        var y = x.AdaptiveAvgPool2d(oh, ow);
        var expected = new List<float>();
        for (int b = 0; b < 2; b++)
        for (int c = 0; c < 3; c++)
        for (int i = 0; i < oh; i++)
        for (int j = 0; j < ow; j++)
        {
            int y0 = (int)Math.Floor((double)i * h / oh), y1 = (int)Math.Ceiling((double)(i + 1) * h / oh);
            int x0 = (int)Math.Floor((double)j * w / ow), x1 = (int)Math.Ceiling((double)(j + 1) * w / ow);
            double sum = 0;
            for (int iy = y0; iy < y1; iy++) for (int ix = x0; ix < x1; ix++) sum += x[b, c, iy, ix];
            expected.Add((float)(sum / ((y1 - y0) * (x1 - x0))));
        }
        OpCheck.Close([.. expected], y.ToArray(), 1e-6f, 1e-5f, "adaptive_avg_pool2d");
        OpCheck.Gradients(v => v[0].AdaptiveAvgPool2d(oh, ow), [x]);
    }

    [Fact]
    public void BadArgumentsThrow()
    {
        var x = Tensor.Zeros(1, 1, 4, 4);
        Assert.Contains("[1, 1, 4, 4]", Assert.Throws<ArgumentException>(() => x.MaxPool2d(2, padding: 2)).Message);
        Assert.Throws<ArgumentException>(() => x.MaxPool2d(5));
        Assert.Throws<ArgumentException>(() => x.AvgPool2d(0));
        Assert.Throws<ArgumentException>(() => Tensor.Zeros(4, 4).AvgPool2d(2));
        Assert.Throws<ArgumentException>(() => x.AdaptiveAvgPool2d(0, 2));
    }
}
