using FaceParse.Nn;
using FaceParse.Tensors;

namespace FaceParse.Models.FpLiif;

/// <summary>FP-LIIF (Sarkar et al., CVPR 2023): a light residual conv encoder to a latent grid Z at 1/4 resolution and
/// a LIIF-style per-pixel MLP decoder that can be queried at any output size. Keys: <c>encoder.head</c>,
/// <c>encoder.groups.i.blocks.j.conv1</c>, <c>encoder.groups.i.conv</c>, <c>encoder.down.i</c>,
/// <c>decoder.reduce.layers.i</c>, <c>decoder.mlp.layers.i</c>. Inputs are RGB in [0, 1]; the encoder normalises them.</summary>
// x [N, 3, H, W] → logits [N, K, outH, outW]
public sealed class FpLiif : Module
{
    public FpLiif(VarBuilder vb, FpLiifConfig config)
    {
        ArgumentNullException.ThrowIfNull(vb);
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        Encoder = Child(vb, "encoder", v => new FpLiifEncoder(v, config)); // [N,3,H,W] → [N,C,H/4,W/4]
        Decoder = Child(vb, "decoder", v => new FpLiifDecoder(v, config)); // Z, g, coords → [N,Q,K]
    }

    public FpLiifConfig Config { get; }
    public FpLiifEncoder Encoder { get; }
    public FpLiifDecoder Decoder { get; }

    /// <summary>The latent grid Z and its global average pool g.</summary>
    // x [N, 3, H, W] → Z [N, C, H/4, W/4], g [N, C]
    public (Tensor Z, Tensor G) Encode(Tensor x)
    {
        var z = Encoder.Forward(x);
        return (z, z.Mean([2, 3]));
    }

    /// <summary>Logits at the given query points (literal form, trainable). <paramref name="coords"/> are (y, x) in
    /// [-1, 1], pixel centres c_i = −1 + (2i + 1)/n of an output grid of size <paramref name="outputGrid"/>, which sets
    /// the cell term of the positional encoding. Training passes a random subset of pixels per image, as LIIF does.</summary>
    // z [N, C, Hf, Wf], g [N, C], coords [N, Q, 2] → [N, Q, K]
    public Tensor Query(Tensor z, Tensor g, Tensor coords, Size2D outputGrid) => Decoder.Query(z, g, coords, outputGrid);

    /// <summary>Logits at every pixel of an outH × outW output (any size, independent of the input's). Uses the fast
    /// path when no gradient is being recorded (<see cref="GradMode.NoGrad"/>), the literal form otherwise.</summary>
    // x [N, 3, H, W] → [N, K, outH, outW]
    public Tensor Forward(Tensor x, int outH, int outW) =>
        GradMode.Enabled ? ForwardReference(x, outH, outW) : ForwardFast(x, outH, outW);

    /// <summary>The literal decoder over the full output grid (the reference the fast path is tested against).</summary>
    // x [N, 3, H, W] → [N, K, outH, outW]
    public Tensor ForwardReference(Tensor x, int outH, int outW)
    {
        CheckOutputSize(outH, outW);
        var (z, g) = Encode(x);
        int n = z.Dim(0);
        var coords = LiifSampling.GridCoords(outH, outW, 0, outH);
        var batch = new float[n * coords.Length];
        for (int b = 0; b < n; b++) coords.CopyTo(batch, b * coords.Length);
        var logits = Query(z, g, Tensor.FromArray(batch, n, outH * outW, 2), (outH, outW)); // [N, Q, K]
        return logits.Permute(0, 2, 1).Reshape(n, Config.NumClasses, outH, outW);
    }

    /// <summary>Inference with the exact identities of <see cref="FpLiifFastPath"/>, in chunks of output rows; no graph.</summary>
    // x [N, 3, H, W] → [N, K, outH, outW]
    public Tensor ForwardFast(Tensor x, int outH, int outW)
    {
        CheckOutputSize(outH, outW);
        using var noGrad = GradMode.NoGrad();
        var (z, g) = Encode(x);
        return FpLiifFastPath.Decode(Decoder, z, g, outH, outW);
    }

    /// <summary><see cref="ForwardFast"/> handed to <paramref name="sink"/> in bands of output rows (see
    /// <see cref="FpLiifFastPath.DecodeRows"/>): memory O(ChunkPixels·K) instead of O(outH·outW·K).</summary>
    // x [1, 3, H, W] → sink(firstRow, rows, logits [1, K, rows·outW]) over all outH rows
    public void ForwardRows(Tensor x, int outH, int outW, Action<int, int, Tensor> sink)
    {
        CheckOutputSize(outH, outW);
        using var noGrad = GradMode.NoGrad();
        var (z, g) = Encode(x);
        FpLiifFastPath.DecodeRows(Decoder, z, g, outH, outW, sink);
    }

    /// <summary>Logits at arbitrary points of the input, queried from the continuous decoder directly (no logit grid is
    /// resampled). <paramref name="coords"/> follow grid_sample: (x, y) in [-1, 1], align_corners=False, so (−1, −1) is the
    /// top-left corner of the input and pixel centres sit at −1 + (2i + 1)/n. The cell term of the positional encoding is the
    /// query grid's own spacing: the mean distance between neighbouring points along each axis (2/Hq or 2/Wq for an axis of
    /// one point). A full pixel-centre grid of outH × outW gives <see cref="Forward"/>(x, outH, outW) up to float rounding.
    /// Trainable while gradients are recorded; otherwise decoded in chunks of <see cref="FpLiifConfig.ChunkPixels"/> points
    /// (bilinear configurations by <see cref="FpLiifPointDecoder"/>, the others by the literal decoder).</summary>
    // x [N, 3, H, W], coords [N, Hq, Wq, 2] (x, y) → [N, K, Hq, Wq]
    public Tensor ForwardAt(Tensor x, Tensor coords)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(coords);
        if (coords.Rank != 4 || coords.Dim(0) != x.Dim(0) || coords.Dim(3) != 2 || coords.Dim(1) < 1 || coords.Dim(2) < 1)
            throw new ArgumentException($"FP-LIIF: coords {Shapes.Format(coords.Shape)} must be [N, Hq, Wq, 2] for input {Shapes.Format(x.Shape)}.");
        int n = x.Dim(0), hq = coords.Dim(1), wq = coords.Dim(2), q = hq * wq, k = Config.NumClasses;
        var xy = coords.Contiguous().ToArray();
        var yx = new float[xy.Length];
        for (int p = 0; p < xy.Length; p += 2) (yx[p], yx[p + 1]) = (xy[p + 1], xy[p]);
        var cell = GridCell(xy, hq, wq);
        var (z, g) = Encode(x);
        if (GradMode.Enabled)
            return Decoder.QueryWithCell(z, g, Tensor.FromArray(yx, n, q, 2), cell).Permute(0, 2, 1).Reshape(n, k, hq, wq);
        if (FpLiifGridDecoder.Supports(Config) && !FpLiifFastPath.PerOpForm) // bilinear: the fused point decoder
        {
            var (reducedRows, wFeat, perImage, wPe) = FpLiifFastPath.FirstLayer(Decoder, z, g);
            return FpLiifPointDecoder.Decode(Decoder, reducedRows, wFeat, perImage, wPe, yx, q, cell, z.Dim(2), z.Dim(3)).Reshape(n, k, hq, wq);
        }
        var reduced = Decoder.ReduceLatent(z);
        var output = Tensor.Empty(n, k, q);
        var destination = output.Span;
        int chunk = Math.Max(1, Config.ChunkPixels);
        var part = new float[n * Math.Min(chunk, q) * 2];
        for (int start = 0; start < q; start += chunk)
        {
            using var scope = new TensorScope();
            int m = Math.Min(chunk, q - start);
            for (int b = 0; b < n; b++) yx.AsSpan((b * q + start) * 2, m * 2).CopyTo(part.AsSpan(b * m * 2));
            var logits = Decoder.QueryWithCell(z, g, Tensor.FromArray(part.AsSpan(0, n * m * 2), n, m, 2), cell, reduced)
                .Permute(0, 2, 1).Contiguous().Span; // [N, K, m]
            for (int plane = 0; plane < n * k; plane++) logits.Slice(plane * m, m).CopyTo(destination.Slice(plane * q + start, m));
        }
        return output.Reshape(n, k, hq, wq);
    }

    // the mean step (y, x) between neighbouring points of the first image's grid [Hq, Wq, 2] (x, y): rows give the y extent
    private static (float Y, float X) GridCell(float[] xy, int hq, int wq)
    {
        static float Step(float[] xy, int from, int to) => MathF.Sqrt(MathF.Pow(xy[to] - xy[from], 2) + MathF.Pow(xy[to + 1] - xy[from + 1], 2));
        double sumY = 0, sumX = 0;
        for (int r = 0; r < hq; r++)
            for (int c = 0; c < wq; c++)
            {
                int p = (r * wq + c) * 2;
                if (r + 1 < hq) sumY += Step(xy, p, p + wq * 2);
                if (c + 1 < wq) sumX += Step(xy, p, p + 2);
            }
        float y = hq > 1 ? (float)(sumY / ((hq - 1) * wq)) : 2f / hq, x = wq > 1 ? (float)(sumX / (hq * (wq - 1))) : 2f / wq;
        return (y, x);
    }

    private static void CheckOutputSize(int outH, int outW)
    {
        if (outH < 1 || outW < 1) throw new ArgumentException($"FP-LIIF: output size {outH}x{outW} must be positive.");
    }
}
