using System.Text;

namespace FaceParse.Tensors;

/// <summary>A float32 n-dimensional array with optional autograd; contiguous row-major (NCHW) unless it is a view.</summary>
/// <remarks>
/// Storage is a float[] (possibly pooled, possibly longer than needed) shared by views; <see cref="Offset"/> and
/// <see cref="Strides"/> (in elements) locate this tensor inside it. Views (Reshape of a contiguous tensor,
/// Permute, Transpose, Narrow, Expand, Squeeze/Unsqueeze) share storage; every other op writes a new contiguous
/// tensor. Ops are in the Ops/ folder, each with its gradient rule beside its forward.
/// </remarks>
public sealed partial class Tensor : IDisposable
{
    private readonly int[] _shape;
    private readonly int[] _strides;
    private float[] _data;
    private readonly Tensor? _base; // the tensor that owns the storage, for views

    internal Tensor(float[] data, int[] shape, int[]? strides = null, int offset = 0, Tensor? viewOf = null, bool tracked = true)
    {
        _data = data;
        _shape = shape;
        _strides = strides ?? Shapes.ContiguousStrides(shape);
        Offset = offset;
        _base = viewOf is null ? null : viewOf._base ?? viewOf;
        Count = Shapes.Count(shape);
        if (tracked) TensorScope.Track(this);
    }

    /// <summary>Dimensions, outermost first.</summary>
    public IReadOnlyList<int> Shape => _shape;
    /// <summary>Element steps per dimension inside the storage.</summary>
    public IReadOnlyList<int> Strides => _strides;
    public int Rank => _shape.Length;
    /// <summary>Number of elements.</summary>
    public int Count { get; }
    /// <summary>Index of element [0,0,…] in the storage.</summary>
    public int Offset { get; }
    /// <summary>True when this tensor views another's storage.</summary>
    public bool IsView => _base is not null;
    public bool IsContiguous => Shapes.IsContiguous(_shape, _strides);
    /// <summary>Optional name (parameters carry their PyTorch key path here).</summary>
    public string? Name { get; set; }

    internal int[] ShapeArray => _shape;
    internal int[] StrideArray => _strides;
    internal float[] Storage => _data;
    internal Tensor Owner => _base ?? this;

    /// <summary>Size of dimension <paramref name="axis"/>; negative counts from the end.</summary>
    public int Dim(int axis) => _shape[Shapes.Axis(axis, Rank)];

    /// <summary>The elements of a contiguous tensor, in order. Throws for non-contiguous views (call Contiguous()).</summary>
    public Span<float> Span
    {
        get
        {
            if (!IsContiguous) throw new InvalidOperationException($"Tensor {Shapes.Format(_shape)} is a non-contiguous view; call Contiguous() first.");
            return _data.AsSpan(Offset, Count);
        }
    }

    /// <summary>Element at a full index (slow; for tests and small tensors).</summary>
    public float this[params int[] index]
    {
        get => _data[StorageIndex(index)];
        set => _data[StorageIndex(index)] = value;
    }

    private int StorageIndex(int[] index)
    {
        if (index.Length != Rank) throw new ArgumentException($"Index of rank {index.Length} for tensor of shape {Shapes.Format(_shape)}.");
        int o = Offset;
        for (int i = 0; i < index.Length; i++)
        {
            int v = index[i] < 0 ? index[i] + _shape[i] : index[i];
            if ((uint)v >= (uint)_shape[i]) throw new ArgumentOutOfRangeException(nameof(index), $"Index {index[i]} out of range for dimension {i} of shape {Shapes.Format(_shape)}.");
            o += v * _strides[i];
        }
        return o;
    }

    /// <summary>A copy of the elements in row-major order.</summary>
    public float[] ToArray()
    {
        var result = new float[Count];
        Strided.CopyTo(this, result);
        return result;
    }

    /// <summary>The single element of a one-element tensor.</summary>
    public float ToScalar()
    {
        if (Count != 1) throw new InvalidOperationException($"ToScalar() needs exactly one element, tensor has shape {Shapes.Format(_shape)}.");
        return _data[Offset];
    }

    /// <summary>Returns the storage to the pool (owning, non-view tensors only). The tensor must not be used afterwards.</summary>
    public void Dispose()
    {
        if (_base is not null || _data.Length == 0) return;
        TensorPool.Return(_data);
        _data = [];
    }

    public override string ToString()
    {
        var sb = new StringBuilder($"Tensor{Shapes.Format(_shape)}");
        if (RequiresGrad) sb.Append(" requires_grad");
        if (Node is not null) sb.Append($" grad_fn={Node.Op}");
        if (Count <= 16 && _data.Length > 0) sb.Append(" [").Append(string.Join(", ", ToArray().Select(v => v.ToString("G6", System.Globalization.CultureInfo.InvariantCulture)))).Append(']');
        return sb.ToString();
    }
}
