namespace FaceParse.Tensors;

/// <summary>Walks several same-shaped strided operands row by row: dimensions that are contiguous for every operand
/// are merged first, so a [N,C,H,W] op against a broadcast [C,1,1] runs as N·C rows of H·W.</summary>
/// <remarks>Ops call <see cref="Offsets"/> per row and then run a vector kernel over <see cref="Inner"/> elements
/// with each operand's <see cref="InnerStrides"/> (0 = broadcast scalar, 1 = contiguous).</remarks>
internal sealed class RowIterator
{
    private readonly int[] _outerShape;
    private readonly int[][] _outerStrides;
    private readonly int[] _baseOffsets;

    public int Rows { get; }
    public int Inner { get; }
    public int[] InnerStrides { get; }

    // shape[rank], strides[operand][rank], offsets[operand]
    public RowIterator(int[] shape, int[][] strides, int[] offsets)
    {
        int ops = strides.Length;
        var dims = new List<int>();
        var st = new List<int[]>();
        for (int d = 0; d < shape.Length; d++)
        {
            if (shape[d] == 1) continue;
            var s = new int[ops];
            for (int k = 0; k < ops; k++) s[k] = strides[k][d];
            if (dims.Count > 0)
            {
                int last = dims.Count - 1;
                bool mergeable = true;
                for (int k = 0; k < ops; k++) mergeable &= st[last][k] == s[k] * shape[d];
                if (mergeable)
                {
                    dims[last] *= shape[d];
                    st[last] = s;
                    continue;
                }
            }
            dims.Add(shape[d]);
            st.Add(s);
        }
        if (dims.Count == 0)
        {
            dims.Add(1);
            st.Add(new int[ops]);
        }
        Inner = dims[^1];
        InnerStrides = st[^1];
        _outerShape = dims.Take(dims.Count - 1).ToArray();
        _outerStrides = new int[ops][];
        for (int k = 0; k < ops; k++) _outerStrides[k] = st.Take(dims.Count - 1).Select(x => x[k]).ToArray();
        _baseOffsets = offsets;
        Rows = Shapes.Count(shape) == 0 ? 0 : Shapes.Count(_outerShape);
    }

    /// <summary>Storage offset of each operand's first element in row <paramref name="row"/>.</summary>
    public void Offsets(int row, Span<int> offsets)
    {
        for (int k = 0; k < offsets.Length; k++) offsets[k] = _baseOffsets[k];
        for (int d = _outerShape.Length - 1; d >= 0; d--)
        {
            int i = row % _outerShape[d];
            row /= _outerShape[d];
            for (int k = 0; k < offsets.Length; k++) offsets[k] += i * _outerStrides[k][d];
        }
    }
}
