namespace FaceParse.Models.FpLiif;

/// <summary>How the reduced latent is brought to a query point.</summary>
public enum FpLiifUpsampling
{
    /// <summary>Bilinear interpolation of the reduced latent at the query point (F.interpolate bilinear,
    /// align_corners=False, which equals grid_sample bilinear with border padding at pixel centres).</summary>
    Bilinear,
    /// <summary>LIIF without local ensemble: the nearest latent cell (grid_sample nearest, align_corners=False).</summary>
    Nearest,
    /// <summary>LIIF local ensemble: the four neighbouring latents (offsets ±1/H_f, ±1/W_f plus 1e-6, clamped), each
    /// decoded by the pixel MLP and blended with the diagonally swapped rectangle areas.</summary>
    LocalEnsemble,
}

/// <summary>Positional encoding appended to every query's MLP input.</summary>
public enum FpLiifPositionalEncoding
{
    /// <summary>LIIF's: the offset of the query from the centre of its (nearest) latent cell, (rel_y·H_f, rel_x·W_f),
    /// then the query cell size (2/H_out·H_f, 2/W_out·W_f). 4 inputs.</summary>
    LiifRelative,
    /// <summary>sin/cos(2^k·π·c) of the absolute query coordinate c = (y, x) for k = 0 … F−1: y-sines, y-cosines,
    /// x-sines, x-cosines. 4·F inputs.</summary>
    Sinusoidal,
}

/// <summary>Every hyper-parameter of FP-LIIF (Sarkar et al., CVPR 2023). The paper publishes the structure (three
/// groups of residual blocks, two strided convs, a 3×3 unfold reduced by a 2-layer MLP, a global pooled vector, a
/// positional encoding, a 4-layer pixel MLP) but not these values; each property says what we chose and why.
/// Named configurations live in <see cref="FpLiifConfigs"/>.</summary>
public sealed record FpLiifConfig
{
    /// <summary>Name of the configuration (<see cref="FpLiifConfigs.Get"/>).</summary>
    public required string Name { get; init; }

    /// <summary>Encoder width. 64 as in the EDSR-baseline encoder LIIF builds on; with the other defaults it gives
    /// ≈ 2.29 M parameters, matching "1/26 of the parameters" of earlier state of the art.</summary>
    public int Channels { get; init; } = 64;

    /// <summary>Residual blocks per group. 2 and 6 are published; 16 for group 3 is our reading (EDSR-baseline depth),
    /// which lands the total in the 2.2–2.4 M range.</summary>
    public IReadOnlyList<int> BlocksPerGroup { get; init; } = [2, 6, 16];

    /// <summary>Stride of the 3×3 conv after each of the first two groups. 2 and 2, so Z is at 1/4 of the input: the
    /// paper says those convs "mainly reduce resolution", and 1/4 keeps the decoder's latent grid fine enough for thin
    /// classes (earrings, necklace) at a 512 input.</summary>
    public IReadOnlyList<int> DownStrides { get; init; } = [2, 2];

    /// <summary>EDSR's residual scaling: block output = x + scale·conv2(relu(conv1(x))). 1 (none), as EDSR-baseline
    /// uses at 64 channels; 0.1 is EDSR's value for very wide models. At 1 the second conv fuses its residual add.</summary>
    public float ResidualScale { get; init; } = 1f;

    /// <summary>Each group ends with a conv3×3 whose output is added to the group's input (EDSR/RCAN group residual),
    /// our reading of "each group has its own group-level residual connection".</summary>
    public bool GroupResidualConv { get; init; } = true;

    /// <summary>Hidden width of the reduction MLP applied to the 3×3-unfolded Z (9·C → this → ReduceOut, ReLU between):
    /// 576 → 256 → 64 at C = 64, LIIF's usual 256 hidden width.</summary>
    public int ReduceHidden { get; init; } = 256;

    /// <summary>Output width of the reduction MLP: C, so the unfolded volume is brought back to the encoder width.</summary>
    public int ReduceOut { get; init; } = 64;

    /// <summary>Positional encoding. LIIF's relative offset plus cell, because FP-LIIF builds on LIIF and the cell term
    /// lets the decoder know the output resolution it is asked for.</summary>
    public FpLiifPositionalEncoding PositionalEncoding { get; init; } = FpLiifPositionalEncoding.LiifRelative;

    /// <summary>Frequencies F of <see cref="FpLiifPositionalEncoding.Sinusoidal"/> (ignored otherwise). 6: periods down
    /// to 1/32 of the image, finer than a 1/4-resolution latent cell at our input sizes.</summary>
    public int SinusoidalFrequencies { get; init; } = 6;

    /// <summary>How features reach the query points. Bilinear: the abstract says the reduced volume is "upsampled",
    /// and bilinear gives smooth boundaries at one MLP evaluation per pixel (local ensemble costs four).</summary>
    public FpLiifUpsampling Upsampling { get; init; } = FpLiifUpsampling.Bilinear;

    /// <summary>Number of Linear layers of the pixel MLP: 4, as published.</summary>
    public int MlpLayers { get; init; } = 4;

    /// <summary>Hidden width of the pixel MLP. 256, LIIF's imnet width.</summary>
    public int MlpHidden { get; init; } = 256;

    /// <summary>Output classes: 19 for CelebAMask-HQ (background included); 11 for LaPa.</summary>
    public int NumClasses { get; init; } = 19;

    /// <summary>Per-channel RGB mean subtracted from inputs in [0, 1] (ImageNet statistics, the common face-parsing
    /// convention; the model is not pretrained so any fixed normalisation works).</summary>
    public IReadOnlyList<float> InputMean { get; init; } = [0.485f, 0.456f, 0.406f];

    /// <summary>Per-channel RGB standard deviation inputs are divided by (ImageNet statistics).</summary>
    public IReadOnlyList<float> InputStd { get; init; } = [0.229f, 0.224f, 0.225f];

    /// <summary>Output pixels per chunk of the inference fast path, which bounds its memory to about
    /// batch·MlpHidden·ChunkPixels·3 floats at any output size.</summary>
    public int ChunkPixels { get; init; } = 16384;

    /// <summary>Inputs of the positional encoding.</summary>
    public int PositionalDims => PositionalEncoding == FpLiifPositionalEncoding.LiifRelative ? 4 : 4 * SinusoidalFrequencies;

    /// <summary>Inputs of the pixel MLP: reduced feature, global vector g (C), positional encoding.</summary>
    public int MlpInputs => ReduceOut + Channels + PositionalDims;

    /// <summary>Total down-sampling factor of the encoder (4 for strides 2, 2).</summary>
    public int Downsampling => DownStrides.Aggregate(1, (a, s) => a * s);

    /// <summary>Throws when the configuration is inconsistent.</summary>
    public void Validate()
    {
        if (Channels < 1 || ReduceHidden < 1 || ReduceOut < 1 || MlpHidden < 1 || NumClasses < 1 || ChunkPixels < 1)
            throw new ArgumentException($"FP-LIIF config '{Name}': widths, classes and chunk size must be positive.");
        if (BlocksPerGroup.Count != DownStrides.Count + 1 || BlocksPerGroup.Any(b => b < 0) || DownStrides.Any(s => s < 1))
            throw new ArgumentException($"FP-LIIF config '{Name}': needs one more group than down-sampling convs, non-negative block counts and positive strides.");
        if (MlpLayers < 2) throw new ArgumentException($"FP-LIIF config '{Name}': the pixel MLP needs at least 2 layers.");
        if (InputMean.Count != 3 || InputStd.Count != 3) throw new ArgumentException($"FP-LIIF config '{Name}': mean/std need 3 entries.");
        if (InputMean.Any(m => !float.IsFinite(m)) || InputStd.Any(s => !float.IsFinite(s) || s <= 0) || !float.IsFinite(ResidualScale))
            throw new ArgumentException($"FP-LIIF config '{Name}': mean, std and residual scale must be finite and std positive.");
    }
}
