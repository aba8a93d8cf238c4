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

    private static void CheckOutputSize(int outH, int outW)
    {
        if (outH < 1 || outW < 1) throw new ArgumentException($"FP-LIIF: output size {outH}x{outW} must be positive.");
    }
}
