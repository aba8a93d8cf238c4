namespace FaceParse.Tensors;

/// <summary>A contiguous int32 n-dimensional array for labels and indices (no autograd).</summary>
public sealed class IntTensor
{
    private readonly int[] _shape;

    public IntTensor(int[] data, params int[] shape)
    {
        int n = Shapes.Count(shape);
        if (data.Length != n) throw new ArgumentException($"{data.Length} values do not fill shape {Shapes.Format(shape)} ({n} elements).");
        Data = data;
        _shape = (int[])shape.Clone();
    }

    public static IntTensor Zeros(params int[] shape) => new(new int[Shapes.Count(shape)], shape);

    public int[] Data { get; }
    public IReadOnlyList<int> Shape => _shape;
    public int Rank => _shape.Length;
    public int Count => Data.Length;
    public Span<int> Span => Data;

    public int Dim(int axis) => _shape[Shapes.Axis(axis, Rank)];

    /// <summary>Same data, new shape (one dimension may be -1).</summary>
    public IntTensor Reshape(params int[] shape)
    {
        int[] s = (int[])shape.Clone();
        int infer = Array.IndexOf(s, -1);
        if (infer >= 0)
        {
            int known = s.Where(d => d != -1).Aggregate(1, (p, d) => p * d);
            if (known == 0 || Count % known != 0) throw new ArgumentException($"Cannot reshape {Shapes.Format(_shape)} to {Shapes.Format(shape)}.");
            s[infer] = Count / known;
        }
        return new IntTensor(Data, s);
    }

    public override string ToString() => $"IntTensor{Shapes.Format(_shape)}";
}
