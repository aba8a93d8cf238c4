using FaceParse.Tensors;

namespace FaceParse.Tensors.Tests;

/// <summary>Tensor.PRelu (torch.nn.functional.prelu): forward against a double-precision reference written from torch's
/// definition (channel = dim 1; one shared slope for a [1] weight), gradients of input and weight against finite
/// differences, and torch's rule at x = 0 (the slope side).</summary>
public sealed class PReluOpTests
{
    // torch: y = max(0, x) + a_c·min(0, x), channel c = dim 1 (rank ≥ 2), or one slope for everything
    private static float[] Expected(Tensor x, float[] slopes)
    {
        var shape = x.Shape.ToArray();
        return Reference.F(Reference.D(x).Select((v, i) =>
        {
            double a = slopes.Length == 1 ? slopes[0] : slopes[Reference.Unravel(i, shape)[1]];
            return Math.Max(0, v) + a * Math.Min(0, v);
        }).ToArray());
    }

    public static TheoryData<int[], int> Shapes() => new()
    {
        { [2, 3, 4, 5], 3 },
        { [4, 3], 3 },                 // a Linear's output: one element per channel row
        { [2, 5, 131, 127], 5 },       // rows longer than the vector width, an odd tail, several parallel tasks
        { [3, 7, 9], 1 },              // one shared slope
        { [70_001], 1 },               // rank 1: torch allows only a shared slope
        { [0, 3, 4], 3 },              // empty
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ForwardMatchesTheDefinitionAtOneAndTwoThreads(int[] shape, int channels)
    {
        var rng = new Random(shape.Sum() + channels);
        var x = Tensor.Uniform(rng, -2, 2, shape);
        var weight = Tensor.Uniform(rng, -1.5f, 1.5f, channels);
        foreach (int threads in new[] { 1, 2 })
            using (FaceParse.Tensors.Runtime.Parallelism.LimitThisThread(threads))
                OpCheck.Close(Expected(x, weight.ToArray()), x.PRelu(weight).ToArray(), 0, 1e-6f, $"prelu {FaceParse.Tensors.Shapes.Format(shape)} at {threads} threads");
    }

    [Fact]
    public void AViewIsReadInLogicalOrderAndNaNPropagates()
    {
        var rng = new Random(11);
        var x = Tensor.Uniform(rng, -2, 2, 3, 4, 5).Transpose(0, 1); // [4, 3, 5] view
        var weight = Tensor.FromArray([0.5f, -0.25f, 2f], [3]);
        OpCheck.Close(Expected(x.Contiguous(), weight.ToArray()), x.PRelu(weight).ToArray(), 0, 1e-6f, "prelu of a view");
        var withNaN = Tensor.FromArray([float.NaN, 1f, -1f, float.NaN], [2, 2]);
        var y = withNaN.PRelu(Tensor.FromArray([0.5f, 0.5f], [2])).ToArray();
        Assert.True(float.IsNaN(y[0]) && float.IsNaN(y[3]), "NaN must propagate, as torch's prelu does");
        Assert.Equal([1f, -0.5f], y[1..3]);
    }

    [Theory]
    [InlineData(new[] { 2, 3, 4, 5 }, 3)]
    [InlineData(new[] { 5, 4 }, 4)]
    [InlineData(new[] { 2, 2, 3 }, 1)]
    public void GradientsOfInputAndSlopesMatchFiniteDifferences(int[] shape, int channels)
    {
        var rng = new Random(shape.Length * 7 + channels);
        var x = Reference.AwayFrom(OpCheck.Input(rng, shape, -2, 2), [0f]);
        var weight = OpCheck.Input(rng, [channels], -1.5f, 1.5f);
        OpCheck.Gradients(v => v[0].PRelu(v[1]), [x, weight], eps: 1e-3f, maxProbes: 60);
    }

    [Fact]
    public void AtZeroTheInputGradientIsTheSlopeSideAsInTorch()
    {
        var x = Tensor.FromArray([0f, 0f, 1f, -1f], [1, 2, 2]);
        x.RequiresGrad = true;
        var weight = Tensor.FromArray([0.25f, -3f], [2]);
        weight.RequiresGrad = true;
        x.PRelu(weight).Sum().Backward();
        Assert.Equal([0.25f, 0.25f, 1f, -3f], x.Grad!.ToArray());
        Assert.Equal([0f, -1f], weight.Grad!.ToArray()); // Σ x over x ≤ 0 per channel
    }

    [Theory]
    [InlineData(new[] { 2, 3, 4 }, 2)]
    [InlineData(new[] { 5 }, 5)]
    public void AWeightThatIsNeitherOneSlopeNorOnePerChannelIsAClearError(int[] shape, int channels)
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros(shape).PRelu(Tensor.Zeros(channels)));
        Assert.Contains("prelu: weight", e.Message);
    }
}
