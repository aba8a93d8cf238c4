using FaceParse.Tensors;

namespace FaceParse.Nn.Tests;

/// <summary>PReLU: torch's key and initial slope, forward against the scalar definition per channel, gradients of input and
/// slopes against central finite differences.</summary>
public sealed class PReluTests
{
    [Fact]
    public void Key_shape_and_initial_slope_follow_torch()
    {
        var layer = new PRelu(VarBuilder.Init(1), 6);
        var (key, weight) = Assert.Single(layer.StateDict());
        Assert.Equal("weight", key);
        Assert.Equal([6], weight.Shape);
        Assert.All(weight.ToArray(), w => Assert.Equal(0.25f, w));
    }

    [Theory]
    [InlineData(new[] { 2, 3, 4, 5 })]
    [InlineData(new[] { 4, 3 })]
    public void Forward_applies_one_slope_per_channel(int[] shape)
    {
        var layer = new PRelu(VarBuilder.Init(1), 3);
        layer.Weight.Span[0] = -0.5f;
        layer.Weight.Span[1] = 0.1f;
        layer.Weight.Span[2] = 2f;
        var x = Tensor.Uniform(new Random(3), -2, 2, shape);
        var y = layer.Forward(x).ToArray();
        var xs = x.ToArray();
        int inner = shape.Skip(2).Aggregate(1, (a, b) => a * b);
        for (int i = 0; i < xs.Length; i++)
        {
            float a = layer.Weight.Span[i / inner % 3];
            Assert.Equal(xs[i] > 0 ? xs[i] : a * xs[i], y[i], 6);
        }
    }

    [Fact]
    public void Gradients_match_finite_differences()
    {
        var layer = new PRelu(VarBuilder.Init(1), 2);
        layer.Weight.Span[1] = -0.3f;
        var x = Tensor.Uniform(new Random(5), -1, 1, 2, 2, 3);
        x.RequiresGrad = true;
        var coefficients = Tensor.Uniform(new Random(6), -1, 1, 2, 2, 3);
        double Loss() { using var _ = GradMode.NoGrad(); return layer.Forward(x).Mul(coefficients).Sum().ToArray()[0]; }
        layer.Forward(x).Mul(coefficients).Sum().Backward();
        foreach (var t in new[] { x, layer.Weight })
        {
            var grad = t.Grad!.ToArray();
            for (int i = 0; i < t.Count; i++)
            {
                float saved = t.Span[i];
                if (t == x && MathF.Abs(saved) < 1e-2f) continue; // the kink at 0
                t.Span[i] = saved + 1e-3f;
                double up = Loss();
                t.Span[i] = saved - 1e-3f;
                double down = Loss();
                t.Span[i] = saved;
                Assert.Equal((up - down) / 2e-3, grad[i], 2);
            }
        }
    }

    [Fact]
    public void Wrong_channel_count_is_a_clear_error()
    {
        var layer = new PRelu(VarBuilder.Init(1), 3);
        var e = Assert.Throws<ArgumentException>(() => layer.Forward(Tensor.Zeros(1, 4, 2, 2)));
        Assert.Contains("[N, 3", e.Message);
    }
}
