namespace FaceParse.Tensors;

// Joining and splitting along an axis. Concat copies each input into its slab of the result and hands each input
// the matching slab of g; Split/Chunk are Narrow views (torch.split returns views too); Stack = Unsqueeze + Concat.
public sealed partial class Tensor
{
    /// <summary>torch.cat(tensors, dim): shapes must agree except along <paramref name="axis"/>.</summary>
    // [.., a_i, ..] x k -> [.., Σ a_i, ..]
    public static Tensor Concat(IReadOnlyList<Tensor> tensors, int axis)
    {
        if (tensors.Count == 0) throw new ArgumentException("cat: needs at least one tensor.");
        var first = tensors[0];
        int a = Shapes.Axis(axis, first.Rank);
        int total = 0;
        foreach (var t in tensors)
        {
            bool same = t.Rank == first.Rank;
            for (int d = 0; same && d < t.Rank; d++) same = d == a || t._shape[d] == first._shape[d];
            if (!same)
                throw new ArgumentException($"cat: shapes {string.Join(", ", tensors.Select(x => Shapes.Format(x.Shape)))} differ outside axis {axis}.");
            total += t._shape[a];
        }
        var shape = (int[])first._shape.Clone();
        shape[a] = total;
        var result = Empty(shape);
        var starts = new int[tensors.Count];
        for (int i = 0, start = 0; i < tensors.Count; start += tensors[i]._shape[a], i++)
        {
            starts[i] = start;
            Strided.Copy(tensors[i], result.NarrowStorage(a, start, tensors[i]._shape[a]));
        }
        Tensor[] inputs = [.. tensors];
        return result.Record("cat", inputs, g =>
        {
            for (int i = 0; i < inputs.Length; i++)
                if (inputs[i].RequiresGrad) inputs[i].AccumulateGrad(g.Narrow(a, starts[i], inputs[i]._shape[a]).Contiguous());
        });
    }

    /// <summary>torch.stack(tensors, dim): equal shapes joined along a new axis.</summary>
    // [s] x k -> [s with k inserted at axis]
    public static Tensor Stack(IReadOnlyList<Tensor> tensors, int axis)
    {
        if (tensors.Count == 0) throw new ArgumentException("stack: needs at least one tensor.");
        foreach (var t in tensors)
            if (!Shapes.Equal(t._shape, tensors[0]._shape))
                throw new ArgumentException($"stack: shapes {string.Join(", ", tensors.Select(x => Shapes.Format(x.Shape)))} must all be equal.");
        return Concat(tensors.Select(t => t.Unsqueeze(axis)).ToList(), axis < 0 ? axis + tensors[0].Rank + 1 : axis);
    }

    /// <summary>torch.split(x, split_sizes, dim): consecutive views of the given sizes, which must sum to the axis length.</summary>
    // [.., a, ..] -> [.., sizes[i], ..] for each i
    public Tensor[] Split(int[] sizes, int axis)
    {
        int a = Shapes.Axis(axis, Rank);
        if (sizes.Any(s => s < 0) || sizes.Sum() != _shape[a])
            throw new ArgumentException($"split: sizes {Shapes.Format(sizes)} must be non-negative and sum to dimension {axis} of {Shapes.Format(_shape)}.");
        var parts = new Tensor[sizes.Length];
        for (int i = 0, start = 0; i < sizes.Length; start += sizes[i], i++) parts[i] = Narrow(a, start, sizes[i]);
        return parts;
    }

    /// <summary>torch.split(x, split_size, dim): views of <paramref name="size"/> elements, the last one possibly smaller.</summary>
    // [.., a, ..] -> ceil(a/size) x [.., size, ..]
    public Tensor[] Split(int size, int axis)
    {
        int a = Shapes.Axis(axis, Rank);
        if (size < 1) throw new ArgumentException($"split: size {size} must be positive (shape {Shapes.Format(_shape)}).");
        int n = Math.Max(1, (_shape[a] + size - 1) / size);
        return Split(Enumerable.Range(0, n).Select(i => Math.Min(size, _shape[a] - i * size)).ToArray(), a);
    }

    /// <summary>torch.chunk(x, chunks, dim): views of ceil(a/chunks) elements each (possibly fewer than <paramref name="chunks"/> pieces).</summary>
    // [.., a, ..] -> up to chunks x [.., ceil(a/chunks), ..]
    public Tensor[] Chunk(int chunks, int axis)
    {
        int a = Shapes.Axis(axis, Rank);
        if (chunks < 1) throw new ArgumentException($"chunk: chunks={chunks} must be positive (shape {Shapes.Format(_shape)}).");
        return Split(Math.Max(1, (_shape[a] + chunks - 1) / chunks), a);
    }
}
