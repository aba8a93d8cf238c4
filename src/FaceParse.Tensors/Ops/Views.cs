namespace FaceParse.Tensors;

// Shape ops. Results share storage with the input when the layout allows (views); gradients map back by the inverse op.
public sealed partial class Tensor
{
    /// <summary>torch.reshape: a view when contiguous, otherwise a copy. One dimension may be -1.</summary>
    public Tensor Reshape(params int[] shape)
    {
        int[] resolved = ResolveShape(shape);
        var source = IsContiguous ? this : Contiguous();
        var result = new Tensor(source._data, resolved, null, source.Offset, source);
        int[] inShape = _shape;
        return result.Record("reshape", [this], g => AccumulateGrad(g.Reshape(inShape)));
    }

    private int[] ResolveShape(int[] shape)
    {
        int[] r = (int[])shape.Clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < r.Length; i++)
        {
            if (r[i] == -1)
            {
                if (infer >= 0) throw new ArgumentException($"Only one dimension may be -1 in reshape {Shapes.Format(shape)}.");
                infer = i;
            }
            else if (r[i] < 0) throw new ArgumentException($"Invalid dimension {r[i]} in reshape {Shapes.Format(shape)}.");
            else known *= r[i];
        }
        if (infer >= 0)
        {
            if (known == 0 || Count % known != 0) throw new ArgumentException($"Cannot reshape {Shapes.Format(_shape)} ({Count} elements) to {Shapes.Format(shape)}.");
            r[infer] = (int)(Count / known);
        }
        if (Shapes.Count(r) != Count) throw new ArgumentException($"Cannot reshape {Shapes.Format(_shape)} ({Count} elements) to {Shapes.Format(shape)}.");
        return r;
    }

    /// <summary>Flattens dimensions [startAxis, endAxis] into one (torch.flatten).</summary>
    public Tensor Flatten(int startAxis = 0, int endAxis = -1)
    {
        if (Rank == 0) return Reshape(1);
        int s = Shapes.Axis(startAxis, Rank), e = Shapes.Axis(endAxis, Rank);
        if (s > e) throw new ArgumentException($"flatten: start axis {startAxis} is after end axis {endAxis} for shape {Shapes.Format(_shape)}.");
        var shape = new List<int>(_shape[..s]);
        int merged = 1;
        for (int i = s; i <= e; i++) merged *= _shape[i];
        shape.Add(merged);
        shape.AddRange(_shape[(e + 1)..]);
        return Reshape([.. shape]);
    }

    /// <summary>torch.permute: reorders dimensions (a view).</summary>
    public Tensor Permute(params int[] axes)
    {
        if (axes.Length != Rank) throw new ArgumentException($"permute: {axes.Length} axes given for shape {Shapes.Format(_shape)}.");
        var shape = new int[Rank];
        var strides = new int[Rank];
        var inverse = new int[Rank];
        var seen = new bool[Rank];
        for (int i = 0; i < Rank; i++)
        {
            int a = Shapes.Axis(axes[i], Rank);
            if (seen[a]) throw new ArgumentException($"permute: axis {axes[i]} repeated in {Shapes.Format(axes)}.");
            seen[a] = true;
            shape[i] = _shape[a];
            strides[i] = _strides[a];
            inverse[a] = i;
        }
        var result = new Tensor(_data, shape, strides, Offset, this);
        return result.Record("permute", [this], g => AccumulateGrad(g.Permute(inverse)));
    }

    /// <summary>torch.transpose: swaps two dimensions (a view).</summary>
    public Tensor Transpose(int axis0, int axis1)
    {
        var axes = Enumerable.Range(0, Rank).ToArray();
        int a = Shapes.Axis(axis0, Rank), b = Shapes.Axis(axis1, Rank);
        (axes[a], axes[b]) = (axes[b], axes[a]);
        return Permute(axes);
    }

    /// <summary>torch.narrow: elements [start, start+length) of one axis (a view).</summary>
    public Tensor Narrow(int axis, int start, int length)
    {
        int a = Shapes.Axis(axis, Rank);
        if (start < 0) start += _shape[a];
        if (start < 0 || length < 0 || start + length > _shape[a])
            throw new ArgumentException($"narrow: [{start}, {start + length}) is outside dimension {a} of shape {Shapes.Format(_shape)}.");
        var shape = (int[])_shape.Clone();
        shape[a] = length;
        var result = new Tensor(_data, shape, (int[])_strides.Clone(), Offset + start * _strides[a], this);
        int[] inShape = _shape;
        return result.Record("narrow", [this], g =>
        {
            var full = Zeros(inShape);
            Strided.Copy(g, full.NarrowStorage(a, start, length));
            AccumulateGrad(full);
        });
    }

    // A contiguous tensor's narrow as a writable strided target (for scatter-like backward rules).
    internal Tensor NarrowStorage(int axis, int start, int length)
    {
        var shape = (int[])_shape.Clone();
        shape[axis] = length;
        return new Tensor(_data, shape, (int[])_strides.Clone(), Offset + start * _strides[axis], this);
    }

    /// <summary>torch.Tensor.expand: broadcasts size-1 dimensions to <paramref name="shape"/> without copying (-1 keeps a size).</summary>
    public Tensor Expand(params int[] shape)
    {
        if (shape.Length < Rank) throw new ArgumentException($"expand: target {Shapes.Format(shape)} has fewer dimensions than {Shapes.Format(_shape)}.");
        int lead = shape.Length - Rank;
        var outShape = new int[shape.Length];
        var strides = new int[shape.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            int src = i - lead;
            int have = src >= 0 ? _shape[src] : 1;
            int want = shape[i] == -1 ? have : shape[i];
            if (have != want && have != 1) throw new ArgumentException($"expand: cannot expand {Shapes.Format(_shape)} to {Shapes.Format(shape)}.");
            outShape[i] = want;
            strides[i] = src >= 0 && have == want ? _strides[src] : 0;
        }
        var result = new Tensor(_data, outShape, strides, Offset, this);
        int[] inShape = _shape;
        return result.Record("expand", [this], g => AccumulateGrad(g.SumTo(inShape)));
    }

    /// <summary>Inserts a size-1 dimension at <paramref name="axis"/> (torch.unsqueeze).</summary>
    public Tensor Unsqueeze(int axis)
    {
        int a = axis < 0 ? axis + Rank + 1 : axis;
        if (a < 0 || a > Rank) throw new ArgumentException($"unsqueeze: axis {axis} out of range for shape {Shapes.Format(_shape)}.");
        var shape = new List<int>(_shape);
        shape.Insert(a, 1);
        return Reshape([.. shape]);
    }

    /// <summary>Removes a size-1 dimension (torch.squeeze(dim)).</summary>
    public Tensor Squeeze(int axis)
    {
        int a = Shapes.Axis(axis, Rank);
        if (_shape[a] != 1) throw new ArgumentException($"squeeze: dimension {axis} of shape {Shapes.Format(_shape)} is not 1.");
        var shape = new List<int>(_shape);
        shape.RemoveAt(a);
        return Reshape([.. shape]);
    }

    /// <summary>This tensor if contiguous, else a contiguous copy (gradient flows through).</summary>
    public Tensor Contiguous()
    {
        if (IsContiguous) return this;
        var result = Empty(_shape);
        Strided.CopyTo(this, result.Storage, result.Offset);
        return result.Record("contiguous", [this], AccumulateGrad);
    }
}
