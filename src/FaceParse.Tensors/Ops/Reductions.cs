namespace FaceParse.Tensors;

/// <summary>A contiguous tensor seen as [Outer, N, Inner] around one axis (N = that axis's size).</summary>
internal readonly record struct AxisLayout(int Outer, int N, int Inner, int Axis)
{
    public static AxisLayout Of(IReadOnlyList<int> shape, int axis, string op)
    {
        int a;
        try { a = Shapes.Axis(axis, shape.Count); }
        catch (ArgumentException) { throw new ArgumentException($"{op}: axis {axis} is out of range for shape {Shapes.Format(shape)}."); }
        int outer = 1, inner = 1;
        for (int i = 0; i < a; i++) outer *= shape[i];
        for (int i = a + 1; i < shape.Count; i++) inner *= shape[i];
        return new AxisLayout(outer, shape.Count == 0 ? 1 : shape[a], inner, a);
    }

    /// <summary>The shape with the axis removed, or set to 1 when <paramref name="keepDim"/>.</summary>
    public int[] Reduced(IReadOnlyList<int> shape, bool keepDim)
    {
        var r = new List<int>(shape);
        if (r.Count == 0) return [];
        if (keepDim) r[Axis] = 1;
        else r.RemoveAt(Axis);
        return [.. r];
    }
}

// Mean, max and argmax (torch.mean, torch.max, torch.argmax).
public sealed partial class Tensor
{
    /// <summary>torch.mean(x): mean of all elements as a scalar tensor.</summary>
    public Tensor Mean() => Sum().Mul(1f / Count); // [*] → []

    /// <summary>torch.mean(x, dim, keepdim).</summary>
    public Tensor Mean(int[] axes, bool keepDim = false) // [*] → [*] without (or with size-1) axes
    {
        var s = Sum(axes, keepDim);
        return s.Mul(s.Count == 0 ? 0f : (float)s.Count / Count);
    }

    /// <summary>torch.max(x): the largest element (NaN if any). Gradient split evenly among tied maxima, as torch does.</summary>
    public Tensor Max() // [*] → []
    {
        if (Count == 0) throw new ArgumentException($"max: empty tensor of shape {Shapes.Format(_shape)}.");
        var x = ToArray();
        float best = x[FirstArgMax(x, 0, x.Length, 1)];
        var r = Scalar(best);
        return r.Record("max", [this], g =>
        {
            int ties = x.Count(v => v.Equals(best));
            float share = g.ToScalar() / ties;
            AccumulateGrad(FromArray(x.Select(v => v.Equals(best) ? share : 0f).ToArray(), _shape));
        });
    }

    /// <summary>torch.max(x, dim, keepdim).values. Gradient goes to the (first) index of the maximum.</summary>
    public Tensor Max(int axis, bool keepDim = false) => MaxWithIndices(axis, keepDim).Values; // [*] → [*] without axis

    /// <summary>torch.argmax(x, dim, keepdim): index of the first maximum (NaN counts as the maximum, like torch).</summary>
    public IntTensor ArgMax(int axis, bool keepDim = false) // [*] → [*] without axis
    {
        var l = AxisLayout.Of(_shape, axis, "argmax");
        return new IntTensor(ArgMaxIndices(l), l.Reduced(_shape, keepDim));
    }

    /// <summary>torch.max(x, dim, keepdim) → (values, indices). Gradient of values scatters to the returned indices.</summary>
    public (Tensor Values, IntTensor Indices) MaxWithIndices(int axis, bool keepDim = false) // [*] → ([*], [*]) without axis
    {
        var l = AxisLayout.Of(_shape, axis, "max");
        if (l.N == 0) throw new ArgumentException($"max: axis {axis} of shape {Shapes.Format(_shape)} is empty.");
        int[] idx = ArgMaxIndices(l);
        int[] outShape = l.Reduced(_shape, keepDim);
        var x = Contiguous();
        var values = Empty(outShape);
        var v = values.Span;
        float[] xd = x._data;
        for (int o = 0, k = 0; o < l.Outer; o++)
            for (int i = 0; i < l.Inner; i++, k++)
                v[k] = xd[x.Offset + (o * l.N + idx[k]) * l.Inner + i];
        values.Record("max", [this], g =>
        {
            var gd = g.ToArray();
            var dx = Zeros(_shape);
            var d = dx.Span;
            for (int o = 0, k = 0; o < l.Outer; o++)
                for (int i = 0; i < l.Inner; i++, k++)
                    d[(o * l.N + idx[k]) * l.Inner + i] = gd[k];
            AccumulateGrad(dx);
        });
        return (values, new IntTensor(idx, outShape));
    }

    // First index of the maximum along the layout's axis, for each (outer, inner) position.
    private int[] ArgMaxIndices(AxisLayout l)
    {
        if (l.N == 0) throw new ArgumentException($"argmax: reduced axis of shape {Shapes.Format(_shape)} is empty.");
        var x = Contiguous();
        float[] xd = x._data;
        int off = x.Offset;
        var result = new int[l.Outer * l.Inner];
        if (l.Inner == 1)
        {
            Runtime.Parallelism.For(l.Outer, o => result[o] = FirstArgMax(xd, off + o * l.N, l.N, 1));
            return result;
        }
        // Walk the axis outermost so the inner positions are read contiguously.
        Runtime.Parallelism.For(l.Outer, o =>
        {
            var best = xd.AsSpan(off + o * l.N * l.Inner, l.Inner).ToArray();
            var arg = result.AsSpan(o * l.Inner, l.Inner);
            for (int j = 1; j < l.N; j++)
            {
                var row = xd.AsSpan(off + (o * l.N + j) * l.Inner, l.Inner);
                for (int i = 0; i < row.Length; i++)
                {
                    float v = row[i], b = best[i];
                    if (v > b || (float.IsNaN(v) && !float.IsNaN(b))) { best[i] = v; arg[i] = j; }
                }
            }
        });
        return result;
    }

    // Index (0..n-1) of the first largest of data[start + j*stride]; a NaN wins (the first one).
    private static int FirstArgMax(float[] data, int start, int n, int stride)
    {
        int best = 0;
        float bv = data[start];
        for (int j = 1; j < n && !float.IsNaN(bv); j++)
        {
            float v = data[start + j * stride];
            if (v > bv || float.IsNaN(v)) { bv = v; best = j; }
        }
        return best;
    }
}
