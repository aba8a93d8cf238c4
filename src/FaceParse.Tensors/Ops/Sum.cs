using System.Numerics.Tensors;

namespace FaceParse.Tensors;

// torch.sum over axes (keepdim optional) and SumTo (the reduction that undoes broadcasting in backward rules).
public sealed partial class Tensor
{
    /// <summary>Sum of all elements, as a scalar tensor.</summary>
    public Tensor Sum()
    {
        var src = Contiguous();
        var r = Scalar(TensorPrimitives.Sum(src.Span));
        int[] inShape = _shape;
        return r.Record("sum", [this], g => AccumulateGrad(g.Reshape(Enumerable.Repeat(1, inShape.Length).ToArray()).Expand(inShape).Contiguous()));
    }

    /// <summary>Sum over <paramref name="axes"/> (torch.sum(dim, keepdim)).</summary>
    public Tensor Sum(int[] axes, bool keepDim = false)
    {
        var reduce = new bool[Rank];
        foreach (int axis in axes)
        {
            int a = Shapes.Axis(axis, Rank);
            if (reduce[a]) throw new ArgumentException($"sum: axis {axis} repeated.");
            reduce[a] = true;
        }
        int[] keptShape = _shape.Select((d, i) => reduce[i] ? 1 : d).ToArray();
        var r = Zeros(keptShape);
        ReduceInto(this, r);
        var result = keepDim ? r : r.Reshape(_shape.Where((_, i) => !reduce[i]).ToArray());
        int[] inShape = _shape;
        return result.Record("sum", [this], g => AccumulateGrad(g.Reshape(keptShape).Expand(inShape).Contiguous()));
    }

    /// <summary>Sums this (broadcast) gradient down to <paramref name="shape"/>; returns this when already that shape.</summary>
    public Tensor SumTo(IReadOnlyList<int> shape)
    {
        int[] target = [.. shape];
        if (Shapes.Equal(_shape, target)) return this;
        int lead = Rank - target.Length;
        if (lead < 0) throw new ArgumentException($"SumTo: cannot reduce {Shapes.Format(_shape)} to the larger rank {Shapes.Format(target)}.");
        var axes = new List<int>();
        for (int i = 0; i < Rank; i++)
        {
            int want = i < lead ? 1 : target[i - lead];
            if (i < lead || (want == 1 && _shape[i] != 1)) axes.Add(i);
            else if (want != _shape[i]) throw new ArgumentException($"SumTo: {Shapes.Format(_shape)} does not broadcast from {Shapes.Format(target)}.");
        }
        return Sum([.. axes], keepDim: true).Reshape(target);
    }

    // src[shape] summed into dst whose shape is src's with 1 in reduced dims (dst pre-zeroed, contiguous).
    private static void ReduceInto(Tensor src, Tensor dst)
    {
        var dstStrides = Shapes.ContiguousStrides(dst._shape);
        for (int i = 0; i < dstStrides.Length; i++) if (dst._shape[i] == 1) dstStrides[i] = 0;
        var it = new RowIterator(src._shape, [src._strides, dstStrides], [src.Offset, 0]);
        int n = it.Inner, ss = it.InnerStrides[0], ds = it.InnerStrides[1];
        float[] sd = src._data, dd = dst._data;
        Span<int> o = stackalloc int[2];
        for (int row = 0; row < it.Rows; row++)
        {
            it.Offsets(row, o);
            if (ds == 0 && ss == 1) dd[o[1]] += TensorPrimitives.Sum(sd.AsSpan(o[0], n));
            else if (ds == 1 && ss == 1) TensorPrimitives.Add(dd.AsSpan(o[1], n), sd.AsSpan(o[0], n), dd.AsSpan(o[1], n));
            else for (int i = 0; i < n; i++) dd[o[1] + i * ds] += sd[o[0] + i * ss];
        }
    }
}
