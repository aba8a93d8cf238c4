using FaceParse.Export.Onnx;
using FaceParse.Models.FpLiif;
using FaceParse.Tensors;

namespace FaceParse.Architectures.FpLiif;

/// <summary>LIIF's query geometry for a fixed output grid, turned into constant ONNX tensors. On a regular output grid every
/// tap's sampling point depends on the row for y and on the column for x, so grid_sample (border padding,
/// align_corners=False) separates into a Gather along the latent rows then one along the columns — for bilinear sampling
/// two Gathers per axis with constant weights — and each positional-encoding input depends on the row or on the column
/// only. Both facts are checked on the actual coordinates; a geometry that breaks them fails with an error.</summary>
internal static class FpLiifSampling
{
    // → one entry per tap (1, or 4 for the local ensemble), from the same LiifSampling the managed engine uses
    public static IReadOnlyList<SamplingTap> Plan(FpLiifConfig config, GridSampleMode mode, int hf, int wf, int outH, int outW)
    {
        var coords = LiifSampling.GridCoords(outH, outW, 0, outH);
        return [.. LiifSampling.Taps(config, coords, hf, wf, (outH, outW)).Select(t => new SamplingTap(t, mode, hf, wf, outH, outW, config.PositionalDims))];
    }
}

/// <summary>One tap of the decoder over the full output grid: sampling plan per axis, positional encoding, blend weight.</summary>
internal sealed class SamplingTap
{
    private readonly AxisPlan _rows, _cols;
    private readonly float[] _encoding;
    private readonly int _outH, _outW, _dims;

    public SamplingTap(QueryTap tap, GridSampleMode mode, int hf, int wf, int outH, int outW, int dims)
    {
        (_outH, _outW, _dims, _encoding, Weight) = (outH, outW, dims, tap.Encoding, tap.Weight);
        var gy = new float[outH];
        var gx = new float[outW];
        for (int r = 0; r < outH; r++) gy[r] = tap.Grid[r * outW * 2 + 1];
        for (int c = 0; c < outW; c++) gx[c] = tap.Grid[c * 2];
        for (int r = 0; r < outH; r++)
            for (int c = 0; c < outW; c++)
                if (tap.Grid[(r * outW + c) * 2] != gx[c] || tap.Grid[(r * outW + c) * 2 + 1] != gy[r])
                    throw new OnnxExportException($"ONNX export: the FP-LIIF sampling grid at output pixel ({r}, {c}) is not separable into rows and columns.");
        _rows = AxisPlan.Of(gy, hf, mode);
        _cols = AxisPlan.Of(gx, wf, mode);
    }

    /// <summary>Local-ensemble weight per output pixel [outH·outW], or null.</summary>
    public float[]? Weight { get; }

    /// <summary>grid_sample of <paramref name="latent"/> at this tap's points.</summary>
    // latent [N, Hid, Hf, Wf] → [N, Hid, outH, outW]
    public string Sample(OnnxGraph graph, string latent) =>
        _cols.Apply(graph, _rows.Apply(graph, latent, axis: 2, [_outH, 1]), axis: 3, [_outW]);

    /// <summary>W_pe·pe split into a term per row [Hid, outH, 1] and one per column [Hid, 1, outW] (absent when empty).</summary>
    // wPe [Hid, P] → terms broadcast against [N, Hid, outH, outW]
    public IEnumerable<string> PositionalTerms(OnnxGraph graph, float[] wPe, int hidden, int dims)
    {
        var rowDims = new List<int>();
        var colDims = new List<int>();
        for (int d = 0; d < dims; d++)
        {
            if (Constant(d, byRow: true)) rowDims.Add(d);
            else if (Constant(d, byRow: false)) colDims.Add(d);
            else throw new OnnxExportException($"ONNX export: FP-LIIF positional input {d} depends on both row and column; the exporter cannot write it.");
        }
        if (rowDims.Count > 0) yield return Term(graph, wPe, hidden, rowDims, _outH, i => i * _outW, [hidden, _outH, 1]);
        if (colDims.Count > 0) yield return Term(graph, wPe, hidden, colDims, _outW, i => i, [hidden, 1, _outW]);
    }

    // MatMul(wPe[:, dims] [Hid, D], enc[dims, positions] [D, count]) reshaped to `shape`
    private string Term(OnnxGraph graph, float[] wPe, int hidden, List<int> dims, int count, Func<int, int> pixelOf, long[] shape)
    {
        var w = new float[hidden * dims.Count];
        for (int h = 0; h < hidden; h++)
            for (int j = 0; j < dims.Count; j++) w[h * dims.Count + j] = wPe[h * _dims + dims[j]];
        var e = new float[dims.Count * count];
        for (int j = 0; j < dims.Count; j++)
            for (int i = 0; i < count; i++) e[j * count + i] = _encoding[pixelOf(i) * _dims + dims[j]];
        string product = graph.MatMul(graph.Constant("decoder.mlp.layers.0.weight[pe]", w, hidden, dims.Count), graph.Constant("positional_encoding", e, dims.Count, count));
        return graph.Reshape(product, shape);
    }

    // Whether encoding input d is the same along each row (byRow: a function of the row) or along each column.
    private bool Constant(int d, bool byRow)
    {
        for (int r = 0; r < _outH; r++)
            for (int c = 0; c < _outW; c++)
            {
                float reference = _encoding[(byRow ? r * _outW : c) * _dims + d];
                if (_encoding[(r * _outW + c) * _dims + d] != reference) return false;
            }
        return true;
    }

    // Sampling along one axis: nearest (one Gather) or bilinear (two Gathers and constant weights), border-clamped like
    // Tensor.GridSample: v = ((g + 1)·size − 1)/2 clamped to [0, size − 1].
    private sealed record AxisPlan(long[] Index0, long[]? Index1, float[]? Weight0, float[]? Weight1)
    {
        public static AxisPlan Of(float[] grid, int size, GridSampleMode mode)
        {
            int n = grid.Length;
            var i0 = new long[n];
            if (mode == GridSampleMode.Nearest)
            {
                for (int i = 0; i < n; i++) i0[i] = (int)MathF.Round(Unnormalise(grid[i], size), MidpointRounding.ToEven);
                return new AxisPlan(i0, null, null, null);
            }
            var i1 = new long[n];
            var w0 = new float[n];
            var w1 = new float[n];
            for (int i = 0; i < n; i++)
            {
                float v = Unnormalise(grid[i], size);
                int lo = (int)MathF.Floor(v);
                float f = v - lo;
                (i0[i], i1[i], w0[i], w1[i]) = (lo, Math.Min(lo + 1, size - 1), 1 - f, f);
            }
            return new AxisPlan(i0, i1, w0, w1);
        }

        // x [.., size, ..] along `axis` → [.., n, ..]
        public string Apply(OnnxGraph graph, string x, int axis, long[] weightShape)
        {
            int n = Index0.Length;
            string a = graph.Gather(x, graph.Constant("sample_index", Index0, n), axis);
            if (Index1 is null) return a;
            string b = graph.Gather(x, graph.Constant("sample_index", Index1, n), axis);
            return graph.Add(graph.Mul(a, graph.Constant("sample_weight", Weight0!, weightShape)), graph.Mul(b, graph.Constant("sample_weight", Weight1!, weightShape)));
        }

        private static float Unnormalise(float g, int size)
        {
            float v = ((g + 1) * size - 1) / 2;
            return v <= 0 ? 0 : v >= size - 1 ? size - 1 : v;
        }
    }
}
