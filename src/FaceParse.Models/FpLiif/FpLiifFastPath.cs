using FaceParse.Tensors;
using Epilogue = FaceParse.Tensors.Kernels.Epilogue;

namespace FaceParse.Models.FpLiif;

/// <summary>Inference form of <see cref="FpLiifDecoder"/> over a full output grid, equal to the literal form up to
/// float rounding by exact identities:
/// <list type="bullet">
/// <item>Linear(9C → hidden) on a zero-padded 3×3 unfold is a 3×3 conv with the weight reshaped to [hidden, C, 3, 3].</item>
/// <item>The first pixel-MLP weight splits into [W_feat | W_g | W_pe]. W_feat is applied at latent resolution before
/// sampling (bilinear and nearest sampling are linear with weights summing to 1, so the bias may be added after);
/// W_g·g + b is one vector per image; W_pe·pe is computed per output chunk (a P → hidden product, P = 4 by default).</item>
/// <item>The remaining layers run as GEMMs over all pixels of a chunk of output rows, which bounds memory.</item>
/// </list></summary>
internal static class FpLiifFastPath
{
    /// <summary>Forces the per-op form below even where <see cref="FpLiifGridDecoder"/> applies (tests and profiles compare them).</summary>
    [ThreadStatic] internal static bool PerOpForm;

    // z [N, C, Hf, Wf], g [N, C] → logits [N, K, outH, outW]
    public static Tensor Decode(FpLiifDecoder decoder, Tensor z, Tensor g, int outH, int outW)
    {
        var output = Tensor.Empty(z.Dim(0), decoder.Config.NumClasses, outH, outW);
        Run(decoder, z, g, outH, outW, output, null);
        return output;
    }

    /// <summary>The same logits handed to <paramref name="sink"/> one band of output rows at a time (at most
    /// <see cref="FpLiifConfig.ChunkPixels"/> pixels, in a tensor scope that ends when the sink returns), so no
    /// K × outH × outW tensor ever exists.</summary>
    // z [N, C, Hf, Wf], g [N, C] → sink(firstRow, rows, logits [N, K, rows·outW]) for consecutive bands
    public static void DecodeRows(FpLiifDecoder decoder, Tensor z, Tensor g, int outH, int outW, Action<int, int, Tensor> sink) =>
        Run(decoder, z, g, outH, outW, null, sink);

    // into output [N, K, outH, outW], or band by band into sink
    private static void Run(FpLiifDecoder decoder, Tensor z, Tensor g, int outH, int outW, Tensor? output, Action<int, int, Tensor>? sink)
    {
        using var noGrad = GradMode.NoGrad();
        var cfg = decoder.Config;
        int n = z.Dim(0), hf = z.Dim(2), wf = z.Dim(3), hidden = cfg.MlpHidden, dims = cfg.PositionalDims;
        var layers = decoder.PixelMlp.Layers;
        var (reduced, wFeat, perImage, wPe) = FirstLayer(decoder, z, g);
        var projected = wFeat.MatMul(reduced).Reshape(n, hidden, hf, wf); // [N, H, Hf, Wf]

        if (FpLiifGridDecoder.Supports(cfg) && !PerOpForm && (output is not null || n == 1))
        {
            FpLiifGridDecoder.Decode(decoder, projected, perImage.Reshape(n, hidden), wPe, output, outH, outW, sink);
            return;
        }
        int rowsPerChunk = Math.Max(1, cfg.ChunkPixels / outW);
        for (int start = 0; start < outH; start += rowsPerChunk)
        {
            using var scope = new TensorScope();
            int rows = Math.Min(rowsPerChunk, outH - start), m = rows * outW;
            var coords = LiifSampling.GridCoords(outH, outW, start, rows);
            Tensor? logits = null;
            foreach (var tap in LiifSampling.Taps(cfg, coords, hf, wf, (outH, outW)))
            {
                var grid = Tensor.FromArray(Replicate(tap.Grid, n), n, 1, m, 2);
                var pe = Tensor.FromArray(tap.Encoding, m, dims);
                var x = projected.GridSample(grid, decoder.SampleMode, GridPadding.Border).Reshape(n, hidden, m) // [N, H, m]
                    .Add(perImage).Add(wPe.MatMul(pe.Transpose(0, 1))).Relu();
                for (int i = 1; i < layers.Count; i++)
                {
                    x = layers[i].Weight.MatMul(x).Add(ColumnBias(layers[i].Bias!)); // [N, out_i, m]
                    if (i < layers.Count - 1) x = x.Relu();
                }
                if (tap.Weight is { } w) x = x.Mul(Tensor.FromArray(w, 1, 1, m));
                logits = logits is null ? x : logits.Add(x);
            }
            if (output is not null) CopyRows(logits!, output, start, m);
            else sink!(start, rows, logits!);
        }
    }

    /// <summary>The reduced latent and the first pixel-MLP layer split as the identities above say: W_feat (for the
    /// reduced features), W_g·g + b per image, and W_pe (for the positional encoding).</summary>
    // z [N, C, Hf, Wf], g [N, C] → reduced [N, R, Hf·Wf], wFeat [H, R], perImage [N, H, 1], wPe [H, P]
    internal static (Tensor Reduced, Tensor WFeat, Tensor PerImage, Tensor WPe) FirstLayer(FpLiifDecoder decoder, Tensor z, Tensor g)
    {
        var cfg = decoder.Config;
        int n = z.Dim(0), c = z.Dim(1), hf = z.Dim(2), wf = z.Dim(3), reduceOut = cfg.ReduceOut;
        var (reduce0, reduce1) = (decoder.Reduce.Layers[0], decoder.Reduce.Layers[1]);
        var first = decoder.PixelMlp.Layers[0];
        var h = z.Conv2d(reduce0.Weight.Reshape(cfg.ReduceHidden, c, 3, 3), reduce0.Bias, null, Epilogue.Relu, padding: 1); // [N, RH, Hf, Wf]
        var reduced = reduce1.Weight.MatMul(h.Reshape(n, cfg.ReduceHidden, hf * wf)).Add(ColumnBias(reduce1.Bias!)); // [N, R, Hf·Wf]
        var wFeat = first.Weight.Narrow(1, 0, reduceOut).Contiguous(); // [H, R]
        var wG = first.Weight.Narrow(1, reduceOut, c).Contiguous(); // [H, C]
        var wPe = first.Weight.Narrow(1, reduceOut + c, cfg.PositionalDims).Contiguous(); // [H, P]
        var perImage = g.MatMul(wG.Transpose(0, 1)).Add(first.Bias!).Reshape(n, cfg.MlpHidden, 1); // [N, H, 1]
        return (reduced, wFeat, perImage, wPe);
    }

    // b [out] → [out, 1] (a bias broadcast over the pixels of channel-major activations)
    private static Tensor ColumnBias(Tensor bias) => bias.Reshape(bias.Count, 1);

    private static float[] Replicate(float[] values, int times)
    {
        var all = new float[values.Length * times];
        for (int i = 0; i < times; i++) values.CopyTo(all, i * values.Length);
        return all;
    }

    // chunk [N, K, m] → rows [start, start + m/outW) of output [N, K, outH, outW]
    private static void CopyRows(Tensor chunk, Tensor output, int start, int m)
    {
        var src = chunk.Contiguous().Span;
        var dst = output.Span;
        int planes = output.Dim(0) * output.Dim(1), plane = output.Dim(2) * output.Dim(3), offset = start * output.Dim(3);
        for (int p = 0; p < planes; p++) src.Slice(p * m, m).CopyTo(dst.Slice(p * plane + offset, m));
    }
}
