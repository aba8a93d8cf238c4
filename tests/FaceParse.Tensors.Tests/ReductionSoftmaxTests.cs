using FaceParse.Tensors;

namespace FaceParse.Tensors.Tests;

public sealed class ReductionSoftmaxTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void MeanMaxArgMaxMatchNaiveLoops(int seed)
    {
        var rng = new Random(seed);
        int[] shape = [3, 5, 4];
        var x = OpCheck.Input(rng, shape);
        var xd = Reference.D(x);
        OpCheck.Close([(float)xd.Average()], [x.Mean().ToScalar()], 1e-6f, 1e-5f);
        for (int axis = 0; axis < 3; axis++)
        {
            var lanes = Reference.Lanes(shape, axis).ToArray();
            OpCheck.Close(Reference.F(lanes.Select(l => l.Average(i => xd[i])).ToArray()), x.Mean([axis]).ToArray(), 1e-6f, 1e-5f, "mean");
            var (values, indices) = x.MaxWithIndices(axis);
            Assert.Equal(lanes.Select(l => (float)l.Max(i => xd[i])).ToArray(), values.ToArray());
            Assert.Equal(lanes.Select(l => Array.IndexOf(l.Select(i => xd[i]).ToArray(), l.Max(i => xd[i]))).ToArray(), indices.Data);
            Assert.Equal(indices.Data, x.ArgMax(axis).Data);
        }
        Assert.Equal([3, 1, 4], x.Mean([1], keepDim: true).Shape);
        Assert.Equal([3, 1, 4], x.ArgMax(1, keepDim: true).Shape);
        Assert.Equal([5], x.Mean([0, -1]).Shape);
        OpCheck.Gradients(v => v[0].Mean([0, 2]), [x]);
        // Distinct values 0.1 apart so finite differences never swap the argmax.
        var perm = Enumerable.Range(0, 60).OrderBy(_ => rng.Next()).Select(i => i * 0.1f).ToArray();
        var separated = Tensor.FromArray(perm, shape);
        separated.RequiresGrad = true;
        OpCheck.Gradients(v => v[0].Max(1, keepDim: true), [separated]);
        OpCheck.Gradients(v => v[0].Max(), [separated]);
    }

    [Fact]
    public void MaxPicksTheFirstTieAndFullMaxSplitsGradientAmongTies()
    {
        var x = Tensor.FromArray([1f, 3f, 3f, 2f, 5f, 5f], 2, 3);
        x.RequiresGrad = true;
        Assert.Equal([1, 1], x.ArgMax(1).Data);
        x.Max(1).Sum().Backward();
        Assert.Equal([0f, 1f, 0f, 0f, 1f, 0f], x.Grad!.ToArray()); // torch.max(dim) routes to the returned index
        x.Grad = null;
        x.Max().Backward();
        Assert.Equal([0f, 0f, 0f, 0f, 0.5f, 0.5f], x.Grad!.ToArray()); // torch.max() distributes evenly
        Assert.Equal(1, Tensor.FromArray([1f, float.NaN, 7f], 3).ArgMax(0).Data[0]); // NaN is the maximum, as in torch
        var e = Assert.Throws<ArgumentException>(() => x.ArgMax(2));
        Assert.Contains("[2, 3]", e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    public void SoftmaxAndLogSoftmaxMatchDoubleReference(int axis)
    {
        var rng = new Random(10 + axis);
        foreach (int[] shape in new[] { new[] { 3, 5, 7 }, [2, 3, 2500] })
        {
            var x = OpCheck.Input(rng, shape, -4f, 4f);
            var xd = Reference.D(x);
            int a = axis < 0 ? axis + shape.Length : axis;
            var expected = new double[xd.Length];
            foreach (var lane in Reference.Lanes(shape, a))
            {
                var p = Reference.Softmax(lane.Select(i => xd[i]).ToArray());
                for (int j = 0; j < lane.Length; j++) expected[lane[j]] = p[j];
            }
            OpCheck.Close(Reference.F(expected), x.Softmax(axis).ToArray(), 1e-7f, 1e-5f, "softmax");
            OpCheck.Close(Reference.F(expected.Select(v => Math.Log(v)).ToArray()), x.LogSoftmax(axis).ToArray(), 1e-5f, 1e-5f, "log_softmax");
        }
        var g = OpCheck.Input(rng, [3, 4, 5], -2f, 2f);
        OpCheck.Gradients(v => v[0].Softmax(axis), [g], eps: 1e-3f);
        OpCheck.Gradients(v => v[0].LogSoftmax(axis), [g], eps: 1e-3f);
        OpCheck.Gradients(v => v[0].Transpose(0, 2).Softmax(axis), [g], eps: 1e-3f);
    }

    [Fact]
    public void SoftmaxOfExtremeLogitsStaysFinite()
    {
        var x = Tensor.FromArray([1000f, 1001f, 1002f, -1e30f, -1e30f, 0f], 2, 3);
        var p = x.Softmax(1).ToArray();
        var lp = x.LogSoftmax(1).ToArray();
        Assert.All(p.Concat(lp), v => Assert.True(float.IsFinite(v), $"{v}"));
        var e = Reference.Softmax([0, 1, 2]);
        OpCheck.Close(Reference.F(e), p[..3], 1e-7f, 1e-6f);
        Assert.Equal(1f, p[5]);
        Assert.Equal(-1e30f, lp[3]);
        var cols = Tensor.FromArray([-1e30f, 5f, -1e30f, 6f], 2, 2).LogSoftmax(0).ToArray(); // the axis not innermost
        Assert.All(cols, v => Assert.True(float.IsFinite(v)));
    }
}
