using FaceParse.Nn;
using FaceParse.Tensors;

namespace FaceParse.Models.FpLiif;

/// <summary>The FP-LIIF decoder in its literal (reference, trainable) form: a zero-padded 3×3 unfold of Z reduced per
/// latent cell by a 2-layer MLP (<c>decoder.reduce</c>), fetched at the query points, concatenated with the global
/// vector g and the positional encoding, and mapped to class scores by the pixel MLP (<c>decoder.mlp</c>).</summary>
// z [N, C, Hf, Wf], g [N, C], coords [N, Q, 2] → logits [N, Q, K]
public sealed class FpLiifDecoder : Module
{
    public FpLiifDecoder(VarBuilder vb, FpLiifConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        Reduce = Child(vb, "reduce", v => new Mlp(v, 9 * config.Channels, config.ReduceHidden, config.ReduceOut, 2)); // [.., 9C] → [.., ReduceOut]
        PixelMlp = Child(vb, "mlp", v => new Mlp(v, config.MlpInputs, config.MlpHidden, config.NumClasses, config.MlpLayers)); // [.., in] → [.., K]
    }

    public FpLiifConfig Config { get; }
    public Mlp Reduce { get; }
    public Mlp PixelMlp { get; }

    /// <summary>Literal reduction: unfold Z 3×3 (channel-major c·9 + ky·3 + kx), then the reduce MLP per latent cell.</summary>
    // z [N, C, Hf, Wf] → [N, ReduceOut, Hf, Wf]
    public Tensor ReduceLatent(Tensor z)
    {
        int n = z.Dim(0), hf = z.Dim(2), wf = z.Dim(3);
        var cols = z.Unfold(3, padding: 1).Permute(0, 2, 1); // [N, Hf·Wf, 9C]
        return Reduce.Forward(cols).Permute(0, 2, 1).Reshape(n, Config.ReduceOut, hf, wf);
    }

    /// <summary>Literal query: logits at the given (y, x) coordinates of an output grid of size
    /// <paramref name="outputGrid"/> (which sets the cell term of the positional encoding).</summary>
    // z [N, C, Hf, Wf], g [N, C], coords [N, Q, 2] → [N, Q, K]
    public Tensor Query(Tensor z, Tensor g, Tensor coords, Size2D outputGrid) => QueryWithCell(z, g, coords, LiifSampling.CellOf(outputGrid));

    /// <summary>Literal query with an explicit cell: the extent (y, x) of one output pixel in [-1, 1] coordinates (2/outH,
    /// 2/outW for a full outH × outW grid). <paramref name="reduced"/> may pass <see cref="ReduceLatent"/>(z) computed once
    /// for several queries of the same latent.</summary>
    // z [N, C, Hf, Wf], g [N, C], coords [N, Q, 2] (y, x), reduced [N, ReduceOut, Hf, Wf]? → [N, Q, K]
    public Tensor QueryWithCell(Tensor z, Tensor g, Tensor coords, (float Y, float X) cell, Tensor? reduced = null)
    {
        ArgumentNullException.ThrowIfNull(z);
        ArgumentNullException.ThrowIfNull(g);
        ArgumentNullException.ThrowIfNull(coords);
        if (coords.Rank != 3 || coords.Dim(0) != z.Dim(0) || coords.Dim(2) != 2)
            throw new ArgumentException($"FP-LIIF query: coords {Shapes.Format(coords.Shape)} must be [N, Q, 2] for latent {Shapes.Format(z.Shape)}.");
        int n = z.Dim(0), q = coords.Dim(1), hf = z.Dim(2), wf = z.Dim(3);
        reduced ??= ReduceLatent(z);
        var gq = g.Unsqueeze(1).Expand(n, q, Config.Channels); // [N, Q, C]
        Tensor? logits = null;
        foreach (var tap in LiifSampling.TapsForCell(Config, coords.Contiguous().Span, hf, wf, cell))
        {
            var grid = Tensor.FromArray(tap.Grid, n, 1, q, 2);
            var feat = reduced.GridSample(grid, SampleMode, GridPadding.Border).Reshape(n, Config.ReduceOut, q).Permute(0, 2, 1); // [N, Q, R]
            var pe = Tensor.FromArray(tap.Encoding, n, q, Config.PositionalDims);
            var pred = PixelMlp.Forward(Tensor.Concat([feat, gq, pe], 2)); // [N, Q, K]
            if (tap.Weight is { } w) pred = pred.Mul(Tensor.FromArray(w, n, q, 1));
            logits = logits is null ? pred : logits.Add(pred);
        }
        return logits!;
    }

    /// <summary>grid_sample mode that fetches the reduced latent (nearest for LIIF's modes, bilinear otherwise).</summary>
    internal GridSampleMode SampleMode => Config.Upsampling == FpLiifUpsampling.Bilinear ? GridSampleMode.Bilinear : GridSampleMode.Nearest;
}
