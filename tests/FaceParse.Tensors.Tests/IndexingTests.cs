using FaceParse.Tensors;

namespace FaceParse.Tensors.Tests;

public sealed class IndexingTests
{
    [Fact]
    public void IndexSelectPicksSlicesAndAccumulatesRepeats()
    {
        var rng = new Random(1);
        var x = OpCheck.Input(rng, [3, 4, 2]);
        var idx = new IntTensor([3, 0, 3], 3);
        var y = x.IndexSelect(1, idx);
        Assert.Equal([3, 3, 2], y.Shape);
        for (int a = 0; a < 3; a++)
        for (int j = 0; j < 3; j++)
        for (int c = 0; c < 2; c++)
            Assert.Equal(x[a, idx.Data[j], c], y[a, j, c]);
        OpCheck.Gradients(v => v[0].IndexSelect(1, idx), [x]);
        x.Grad = null;
        x.IndexSelect(1, idx).Sum().Backward();
        Assert.Equal(2f, x.Grad![0, 3, 1]); // selected twice
        Assert.Equal(0f, x.Grad![0, 1, 1]);
    }

    [Fact]
    public void GatherFollowsTorchDefinition()
    {
        // torch.gather(t, 1, [[0, 0], [1, 0]]) with t = [[1, 2], [3, 4]] = [[1, 1], [4, 3]]
        var t = Tensor.FromArray([1f, 2f, 3f, 4f], 2, 2);
        Assert.Equal([1f, 1f, 4f, 3f], t.Gather(1, new IntTensor([0, 0, 1, 0], 2, 2)).ToArray());
        // dim 0, index smaller than input outside the gather axis: out[i][j] = t[index[i][j]][j]
        Assert.Equal([3f, 2f], t.Gather(0, new IntTensor([1, 0], 1, 2)).ToArray());
        var rng = new Random(2);
        var x = OpCheck.Input(rng, [3, 4, 5]);
        var index = new IntTensor(Enumerable.Range(0, 2 * 6 * 3).Select(_ => rng.Next(4)).ToArray(), 2, 6, 3);
        var y = x.Gather(1, index);
        for (int a = 0; a < 2; a++) for (int b = 0; b < 6; b++) for (int c = 0; c < 3; c++)
            Assert.Equal(x[a, index.Data[(a * 6 + b) * 3 + c], c], y[a, b, c]);
        OpCheck.Gradients(v => v[0].Gather(1, index), [x]);
        OpCheck.Gradients(v => v[0].Permute(2, 1, 0).Gather(-1, new IntTensor([2, 0, 1, 1], 1, 4, 1)), [x]);
    }

    [Fact]
    public void EmbeddingLooksUpRowsAndScatterAddsGradient()
    {
        var rng = new Random(3);
        var weight = OpCheck.Input(rng, [5, 3]);
        var ids = new IntTensor([4, 1, 4, 0, 2, 4], 2, 3);
        var y = Tensor.Embedding(ids, weight);
        Assert.Equal([2, 3, 3], y.Shape);
        Assert.Equal(weight[4, 2], y[1, 2, 2]);
        Assert.Equal(weight[0, 1], y[1, 0, 1]);
        weight.Grad = null;
        Tensor.Embedding(ids, weight).Sum().Backward();
        Assert.Equal([1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 1f, 0f, 0f, 0f, 3f, 3f, 3f], RowsOf(weight.Grad!, [0, 1, 2, 3, 4]));
        OpCheck.Gradients(v => Tensor.Embedding(ids, v[0]), [weight]);
    }

    private static float[] RowsOf(Tensor t, int[] rows) => rows.SelectMany(r => Enumerable.Range(0, t.Dim(1)).Select(c => t[r, c])).ToArray();

    [Fact]
    public void BadIndicesThrow()
    {
        var x = Tensor.Zeros(2, 3);
        Assert.Contains("[2, 3]", Assert.Throws<ArgumentOutOfRangeException>(() => x.IndexSelect(1, new IntTensor([3], 1))).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => x.Gather(0, new IntTensor([-1], 1, 1)));
        Assert.Throws<ArgumentException>(() => x.Gather(0, new IntTensor([0, 0, 0, 0], 1, 4)));
        Assert.Throws<ArgumentException>(() => x.IndexSelect(0, new IntTensor([0, 0], 1, 2)));
        Assert.Throws<ArgumentException>(() => Tensor.Embedding(new IntTensor([0], 1), Tensor.Zeros(3)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Embedding(new IntTensor([5], 1), Tensor.Zeros(5, 2)));
    }
}
