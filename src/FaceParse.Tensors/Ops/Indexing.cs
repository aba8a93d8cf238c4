namespace FaceParse.Tensors;

// Integer indexing: index_select, gather and embedding. Forward reads x at the indexed positions; backward
// scatter-adds g back to those positions (repeated indices accumulate).
public sealed partial class Tensor
{
    /// <summary>torch.index_select(x, dim, index): the slices of <paramref name="axis"/> listed in a 1-D index.</summary>
    // x[.., a, ..], index[k] -> [.., k, ..]
    public Tensor IndexSelect(int axis, IntTensor index)
    {
        int a = Shapes.Axis(axis, Rank);
        if (index.Rank > 1) throw new ArgumentException($"index_select: index {Shapes.Format(index.Shape)} must be 1-D (input {Shapes.Format(_shape)}).");
        int[] idx = index.Data;
        CheckIndices("index_select", idx, _shape[a], a);
        int outer = Shapes.Count(_shape.AsSpan(0, a)), inner = Shapes.Count(_shape.AsSpan(a + 1)), dimIn = _shape[a], k = idx.Length;
        var shape = (int[])_shape.Clone();
        shape[a] = k;
        var xd = Spatial.Dense(this);
        var y = Empty(shape);
        float[] xs = xd.Storage, ys = y.Storage;
        int xo = xd.Offset;
        Runtime.Parallelism.For(outer, o =>
        {
            for (int j = 0; j < k; j++)
                Array.Copy(xs, xo + (o * dimIn + idx[j]) * inner, ys, (o * k + j) * inner, inner);
        });
        return y.Record("index_select", [this], g =>
        {
            var gd = Spatial.Dense(g);
            var dx = Zeros(_shape);
            float[] gs = gd.Storage, dxs = dx.Storage;
            int go = gd.Offset;
            Runtime.Parallelism.For(outer, o =>
            {
                for (int j = 0; j < k; j++)
                {
                    int src = go + (o * k + j) * inner, dst = (o * dimIn + idx[j]) * inner;
                    for (int i = 0; i < inner; i++) dxs[dst + i] += gs[src + i];
                }
            });
            AccumulateGrad(dx);
        });
    }

    /// <summary>torch.gather(x, dim, index): out[p] = x[p with p[dim] = index[p]]; index has x's rank and no larger
    /// sizes outside <paramref name="axis"/>.</summary>
    // x[s], index[t] -> [t]
    public Tensor Gather(int axis, IntTensor index)
    {
        int a = Shapes.Axis(axis, Rank);
        bool fits = index.Rank == Rank;
        for (int d = 0; fits && d < Rank; d++) fits = d == a || index.Dim(d) <= _shape[d];
        if (!fits) throw new ArgumentException($"gather: index {Shapes.Format(index.Shape)} must have the rank of input {Shapes.Format(_shape)} and no larger size outside dimension {axis}.");
        int[] idx = index.Data;
        CheckIndices("gather", idx, _shape[a], a);
        int[] sourceOffsets = GatherOffsets(index, a);
        var xd = Spatial.Dense(this);
        var y = Empty([.. index.Shape]);
        float[] xs = xd.Storage, ys = y.Storage;
        for (int i = 0; i < idx.Length; i++) ys[i] = xs[xd.Offset + sourceOffsets[i]];
        return y.Record("gather", [this], g =>
        {
            var gd = Spatial.Dense(g);
            var dx = Zeros(_shape);
            float[] gs = gd.Storage, dxs = dx.Storage;
            for (int i = 0; i < sourceOffsets.Length; i++) dxs[sourceOffsets[i]] += gs[gd.Offset + i];
            AccumulateGrad(dx);
        });
    }

    // Contiguous offset into this tensor's shape read by each element of a gather index along axis a.
    private int[] GatherOffsets(IntTensor index, int a)
    {
        int[] strides = Shapes.ContiguousStrides(_shape), ishape = [.. index.Shape];
        var offsets = new int[index.Count];
        var coord = new int[Rank];
        for (int i = 0; i < offsets.Length; i++)
        {
            int o = 0;
            for (int d = 0; d < Rank; d++) o += (d == a ? index.Data[i] : coord[d]) * strides[d];
            offsets[i] = o;
            for (int d = Rank - 1; d >= 0 && ++coord[d] == ishape[d]; d--) coord[d] = 0;
        }
        return offsets;
    }

    /// <summary>torch.nn.functional.embedding(ids, weight): row weight[id] for every id.</summary>
    // ids[s], weight[V,D] -> [s..., D]
    public static Tensor Embedding(IntTensor ids, Tensor weight)
    {
        if (weight.Rank != 2) throw new ArgumentException($"embedding: weight {Shapes.Format(weight.Shape)} must be [V, D] (ids {Shapes.Format(ids.Shape)}).");
        return weight.IndexSelect(0, ids.Reshape(-1)).Reshape([.. ids.Shape, weight.Dim(1)]);
    }

    private void CheckIndices(string op, int[] idx, int size, int axis)
    {
        foreach (int i in idx)
            if ((uint)i >= (uint)size)
                throw new ArgumentOutOfRangeException(nameof(idx), $"{op}: index {i} is out of range for dimension {axis} (size {size}) of {Shapes.Format(_shape)}.");
    }
}
