using FaceParse.Tensors;

namespace FaceParse.Tensors.Tests;

public sealed class MatMulTests
{
    // Naive batched matmul on already broadcast double arrays.
    private static double[] Naive(Tensor a, Tensor b, int[] batch, int m, int k, int n)
    {
        var ae = Reference.D(a.Detach().Expand([.. batch, m, k]));
        var be = Reference.D(b.Detach().Expand([.. batch, k, n]));
        int count = batch.Aggregate(1, (x, y) => x * y);
        var r = new double[count * m * n];
        for (int t = 0; t < count; t++)
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double s = 0;
                    for (int p = 0; p < k; p++) s += ae[(t * m + i) * k + p] * be[(t * k + p) * n + j];
                    r[(t * m + i) * n + j] = s;
                }
        return r;
    }

    [Theory]
    [InlineData(new[] { 3, 4 }, new[] { 4, 5 }, new int[0])]
    [InlineData(new[] { 2, 1, 3, 4 }, new[] { 5, 4, 2 }, new[] { 2, 5 })]
    [InlineData(new[] { 2, 3, 7 }, new[] { 7, 3 }, new[] { 2 })]
    [InlineData(new[] { 1, 3, 4 }, new[] { 2, 4, 1 }, new[] { 2 })]
    public void MatMulMatchesNaiveAndBroadcastsBatches(int[] sa, int[] sb, int[] batch)
    {
        var rng = new Random(sa.Length * 7 + sb[^1]);
        var a = OpCheck.Input(rng, sa);
        var b = OpCheck.Input(rng, sb);
        int m = sa[^2], k = sa[^1], n = sb[^1];
        var r = a.MatMul(b);
        Assert.Equal([.. batch, m, n], r.Shape);
        OpCheck.Close(Reference.F(Naive(a, b, batch, m, k, n)), r.ToArray(), 1e-5f, 1e-5f);
        OpCheck.Gradients(v => v[0].MatMul(v[1]), [a, b], eps: 1e-2f, atol: 1e-3f, rtol: 1e-2f);
    }

    [Fact]
    public void TransposedViewsVectorsAndErrors()
    {
        var rng = new Random(3);
        var q = OpCheck.Input(rng, [2, 3, 4]);
        var k = OpCheck.Input(rng, [2, 5, 4]);
        var viaView = q.MatMul(k.Transpose(-2, -1));
        var viaCopy = q.MatMul(k.Transpose(-2, -1).Contiguous());
        OpCheck.Close(viaCopy.ToArray(), viaView.ToArray(), 1e-6f, 1e-6f);
        OpCheck.Gradients(v => v[0].Transpose(-2, -1).MatMul(v[1].Transpose(-2, -1)), [OpCheck.Input(rng, [2, 4, 3]), k], atol: 1e-3f, rtol: 1e-2f);
        var u = OpCheck.Input(rng, [4]);
        var w = OpCheck.Input(rng, [4]);
        Assert.Equal(Reference.D(u).Zip(Reference.D(w), (x, y) => x * y).Sum(), u.MatMul(w).ToScalar(), 5);
        Assert.Equal([2, 3], q.MatMul(u).Shape);
        Assert.Equal([2, 5], u.MatMul(k.Transpose(-2, -1)).Shape);
        OpCheck.Gradients(v => v[0].MatMul(v[1]), [q, u], atol: 1e-3f, rtol: 1e-2f);
        var e = Assert.Throws<ArgumentException>(() => q.MatMul(k));
        Assert.Contains("[2, 3, 4]", e.Message);
        Assert.Contains("[2, 5, 4]", e.Message);
        Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 3, 4).MatMul(Tensor.Zeros(3, 4, 5)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void LinearMatchesXTimesWTransposedPlusBias(bool withBias)
    {
        var rng = new Random(withBias ? 1 : 2);
        var x = OpCheck.Input(rng, [2, 3, 5]);
        var w = OpCheck.Input(rng, [4, 5]);
        var b = withBias ? OpCheck.Input(rng, [4]) : null;
        var y = Tensor.Linear(x, w, b);
        Assert.Equal([2, 3, 4], y.Shape);
        var expected = Naive(x, w.Transpose(0, 1), [2], 3, 5, 4);
        if (b is not null) for (int i = 0; i < expected.Length; i++) expected[i] += b[i % 4];
        OpCheck.Close(Reference.F(expected), y.ToArray(), 1e-5f, 1e-5f);
        Tensor[] inputs = b is null ? [x, w] : [x, w, b];
        OpCheck.Gradients(v => Tensor.Linear(v[0], v[1], v.Length > 2 ? v[2] : null), inputs, atol: 1e-3f, rtol: 1e-2f);
        OpCheck.Gradients(v => Tensor.Linear(v[0].Transpose(0, 1), v[1]), [x, w], atol: 1e-3f, rtol: 1e-2f);
        var e = Assert.Throws<ArgumentException>(() => Tensor.Linear(x, Tensor.Zeros(4, 6)));
        Assert.Contains("[2, 3, 5]", e.Message);
        Assert.Throws<ArgumentException>(() => Tensor.Linear(x, w, Tensor.Zeros(3)));
    }
}
