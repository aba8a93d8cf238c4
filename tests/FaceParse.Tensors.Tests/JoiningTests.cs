using FaceParse.Tensors;

namespace FaceParse.Tensors.Tests;

public sealed class JoiningTests
{
    [Fact]
    public void ConcatJoinsAlongAnyAxisAndSplitsGradient()
    {
        var rng = new Random(1);
        var a = OpCheck.Input(rng, [2, 3, 4]);
        var b = OpCheck.Input(rng, [2, 1, 4]);
        var c = OpCheck.Input(rng, [2, 2, 4]);
        var y = Tensor.Concat([a, b, c], 1);
        Assert.Equal([2, 6, 4], y.Shape);
        Assert.Equal(a[1, 2, 3], y[1, 2, 3]);
        Assert.Equal(b[1, 0, 2], y[1, 3, 2]);
        Assert.Equal(c[0, 1, 0], y[0, 5, 0]);
        OpCheck.Gradients(v => Tensor.Concat([v[0], v[1], v[2]], -2), [a, b, c]);
        var t = a.Transpose(0, 2); // non-contiguous input [4, 3, 2]
        var z = Tensor.Concat([t, t], -1);
        Assert.Equal([4, 3, 4], z.Shape);
        Assert.Equal(a[1, 2, 3], z[3, 2, 3]);
        OpCheck.Gradients(v => Tensor.Concat([v[0].Transpose(0, 2), v[0].Transpose(0, 2)], 2), [a]);
    }

    [Fact]
    public void StackAddsAnAxis()
    {
        var rng = new Random(2);
        var a = OpCheck.Input(rng, [3, 2]);
        var b = OpCheck.Input(rng, [3, 2]);
        var y = Tensor.Stack([a, b], 1);
        Assert.Equal([3, 2, 2], y.Shape);
        Assert.Equal(b[2, 1], y[2, 1, 1]);
        Assert.Equal(a[0, 1], y[0, 0, 1]);
        Assert.Equal([3, 2, 2], Tensor.Stack([a, b], -1).Shape);
        Assert.Equal(b[2, 0], Tensor.Stack([a, b], -1)[2, 0, 1]);
        OpCheck.Gradients(v => Tensor.Stack([v[0], v[1], v[0]], 0), [a, b]);
    }

    [Fact]
    public void SplitAndChunkFollowTorchSizes()
    {
        var x = Tensor.Arange(10).Reshape(2, 5);
        Assert.Equal([2, 2, 1], x.Chunk(3, 1).Select(t => t.Dim(1)));   // torch.chunk: ceil(5/3) = 2
        Assert.Equal([2, 2, 2], Tensor.Zeros(6).Chunk(4, 0).Select(t => t.Dim(0))); // only 3 chunks, like torch
        Assert.Equal([3, 2], x.Split(3, 1).Select(t => t.Dim(1)));
        var parts = x.Split([1, 4], -1);
        Assert.Equal([0f, 5f], parts[0].ToArray());
        Assert.Equal([1f, 2f, 3f, 4f, 6f, 7f, 8f, 9f], parts[1].ToArray());
        var rng = new Random(3);
        var a = OpCheck.Input(rng, [3, 5]);
        OpCheck.Gradients(v => { var p = v[0].Split([2, 0, 3], 1); return p[0].Sum([1]) * p[2].Sum([1]); }, [a]);
    }

    [Fact]
    public void BadArgumentsThrow()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Concat([Tensor.Zeros(2, 3), Tensor.Zeros(3, 3)], 1));
        Assert.Contains("[2, 3]", e.Message);
        Assert.Contains("[3, 3]", e.Message);
        Assert.Throws<ArgumentException>(() => Tensor.Concat([], 0));
        Assert.Throws<ArgumentException>(() => Tensor.Stack([Tensor.Zeros(2), Tensor.Zeros(3)], 0));
        Assert.Throws<ArgumentException>(() => Tensor.Zeros(5).Split([2, 2], 0));
        Assert.Throws<ArgumentException>(() => Tensor.Zeros(5).Chunk(0, 0));
    }
}
