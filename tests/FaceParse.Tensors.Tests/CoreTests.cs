using FaceParse.Tensors;

namespace FaceParse.Tensors.Tests;

public sealed class CoreTests
{
    [Fact]
    public void BroadcastingArithmeticMatchesNaiveLoops()
    {
        var rng = new Random(1);
        int[][][] cases =
        [
            [[2, 3, 4, 5], [3, 1, 1]],
            [[2, 3, 4, 5], [5]],
            [[4, 1], [1, 6]],
            [[3, 1, 5], [2, 1, 4, 1]],
            [[7], []],
        ];
        foreach (var c in cases)
        {
            var a = Tensor.Uniform(rng, -2, 2, c[0]);
            var b = Tensor.Uniform(rng, 0.5f, 2, c[1]);
            int[] shape = Shapes.Broadcast(c[0], c[1]);
            foreach (var (op, f) in new (Func<Tensor, Tensor, Tensor>, Func<float, float, float>)[]
                     { ((x, y) => x + y, (x, y) => x + y), ((x, y) => x - y, (x, y) => x - y), ((x, y) => x * y, (x, y) => x * y), ((x, y) => x / y, (x, y) => x / y) })
            {
                var r = op(a, b);
                Assert.Equal(shape, r.Shape);
                var expected = new float[Shapes.Count(shape)];
                var idx = new int[shape.Length];
                for (int i = 0; i < expected.Length; i++)
                {
                    int rem = i;
                    for (int d = shape.Length - 1; d >= 0; d--) { idx[d] = rem % shape[d]; rem /= shape[d]; }
                    expected[i] = f(a[Project(idx, c[0])], b[Project(idx, c[1])]);
                }
                OpCheck.Close(expected, r.ToArray(), what: $"{Shapes.Format(c[0])} op {Shapes.Format(c[1])}");
            }
        }
    }

    private static int[] Project(int[] index, int[] shape)
    {
        var r = new int[shape.Length];
        int lead = index.Length - shape.Length;
        for (int i = 0; i < shape.Length; i++) r[i] = shape[i] == 1 ? 0 : index[lead + i];
        return r;
    }

    [Fact]
    public void ArithmeticGradientsMatchFiniteDifferences()
    {
        var rng = new Random(2);
        var a = OpCheck.Input(rng, [2, 3, 4]);
        var b = OpCheck.Input(rng, [3, 1], 0.5f, 1.5f);
        OpCheck.Gradients(x => x[0] * x[1] + x[0] / x[1] - x[1], [a, b]);
        OpCheck.Gradients(x => (x[0] * 3f - 1f).Neg().Sum([1, 2], keepDim: true), [a]);
    }

    [Fact]
    public void ViewsShareStorageAndRouteGradients()
    {
        var rng = new Random(3);
        var x = OpCheck.Input(rng, [2, 3, 4]);
        var t = x.Permute(2, 0, 1);
        Assert.Equal([4, 2, 3], t.Shape);
        Assert.False(t.IsContiguous);
        Assert.Equal(x[1, 2, 3], t[3, 1, 2]);
        Assert.Equal(x[1, 0, 2], x.Narrow(1, 0, 2).Transpose(0, 2)[2, 0, 1]);
        Assert.Equal(x[0, 1, 0], x.Reshape(6, 4)[1, 0]);
        OpCheck.Gradients(v => v[0].Permute(2, 0, 1).Narrow(0, 1, 2).Reshape(-1).Unsqueeze(0).Expand(3, -1), [x]);
        OpCheck.Gradients(v => v[0].Transpose(0, 2).Contiguous().Squeeze(2).Flatten().Sum([0]), [OpCheck.Input(rng, [1, 3, 2])]);
    }

    [Fact]
    public void BackwardAccumulatesAcrossUsesAndCalls()
    {
        var x = Tensor.FromArray([1f, 2f, 3f], 3);
        x.RequiresGrad = true;
        (x * x + x).Sum().Backward();           // d/dx = 2x + 1
        Assert.Equal([3f, 5f, 7f], x.Grad!.ToArray());
        (x * 2f).Sum().Backward();               // accumulates +2
        Assert.Equal([5f, 7f, 9f], x.Grad!.ToArray());
    }

    [Fact]
    public void NoGradAndDetachStopRecording()
    {
        var x = Tensor.Ones(2);
        x.RequiresGrad = true;
        using (GradMode.NoGrad()) Assert.False((x * 2f).RequiresGrad);
        Assert.True((x * 2f).RequiresGrad);
        Assert.False(x.Detach().RequiresGrad);
        var y = x.Detach() * x;
        y.Sum().Backward();
        Assert.Equal([1f, 1f], x.Grad!.ToArray());
    }

    [Fact]
    public void BadShapesThrowArgumentExceptionNamingThem()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3) + Tensor.Zeros(4));
        Assert.Contains("[2, 3]", e.Message);
        Assert.Contains("[4]", e.Message);
        Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3).Reshape(4, 2));
        Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3).Permute(0, 0));
        Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3).Narrow(1, 2, 2));
        Assert.Throws<InvalidOperationException>(() => Tensor.Zeros(2).Backward());
    }

    [Fact]
    public void ScopeReturnsBuffersToThePoolSoRepeatedCallsReuseThem()
    {
        Tensor Step(Tensor input)
        {
            using var scope = new TensorScope();
            var h = input * 2f + 1f;
            return scope.Keep((h * h).Sum([1]));
        }
        var x = Tensor.Ones(64, 64);
        using (GradMode.NoGrad())
        {
            Step(x);
            long before = TensorPool.Reused;
            var y = Step(x);
            Assert.True(TensorPool.Reused > before, "the second call reused no pooled buffer");
            Assert.Equal(64 * 9f, y[0]);
        }
    }
}
