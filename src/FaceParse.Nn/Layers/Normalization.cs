using FaceParse.Tensors;

namespace FaceParse.Nn;

/// <summary>torch.nn.LayerNorm over the last dimension: <c>weight [D]</c> (ones), <c>bias [D]</c> (zeros) when
/// elementwise-affine (bias optional, as torch ≥ 2.1).</summary>
// x [..., D] → [..., D]
public sealed class LayerNorm : Module, IModule
{
    public LayerNorm(VarBuilder vb, int normalizedShape, float eps = 1e-5f, bool elementwiseAffine = true, bool bias = true)
    {
        ArgumentNullException.ThrowIfNull(vb);
        LayerChecks.RequirePositive("LayerNorm", (nameof(normalizedShape), normalizedShape));
        NormalizedShape = normalizedShape;
        Eps = eps;
        (Weight, Bias) = LayerChecks.Affine((n, s, i) => Param(vb, n, s, i), normalizedShape, elementwiseAffine, bias);
    }

    public int NormalizedShape { get; }
    public float Eps { get; }
    public Tensor? Weight { get; }
    public Tensor? Bias { get; }

    public Tensor Forward(Tensor x) => x.LayerNorm(Weight, Bias, Eps);
}

/// <summary>SAM / ConvNeXt LayerNorm2d: per pixel, over the channels; <c>weight [C]</c> ones, <c>bias [C]</c> zeros, eps 1e-6.</summary>
// x [N, C, H, W] → [N, C, H, W]
public sealed class LayerNorm2d : Module, IModule
{
    public LayerNorm2d(VarBuilder vb, int numChannels, float eps = 1e-6f)
    {
        ArgumentNullException.ThrowIfNull(vb);
        LayerChecks.RequirePositive("LayerNorm2d", (nameof(numChannels), numChannels));
        Eps = eps;
        Weight = Param(vb, "weight", [numChannels], Init.Ones);
        Bias = Param(vb, "bias", [numChannels], Init.Zeros);
    }

    public float Eps { get; }
    public Tensor Weight { get; }
    public Tensor Bias { get; }

    public Tensor Forward(Tensor x) => x.LayerNorm2d(Weight, Bias, Eps);
}

/// <summary>torch.nn.BatchNorm2d (affine, tracking running stats): parameters <c>weight [C]</c>, <c>bias [C]</c>;
/// buffers <c>running_mean [C]</c> (zeros), <c>running_var [C]</c> (ones), <c>num_batches_tracked []</c> (0).</summary>
/// <remarks>Training normalises with batch statistics and updates the running ones in place with
/// <see cref="Momentum"/> (null: cumulative average 1/num_batches_tracked, as torch's momentum=None) and counts the
/// batch; evaluation normalises with the running statistics.</remarks>
// x [N, C, H, W] → [N, C, H, W]
public sealed class BatchNorm2d : Module, IModule
{
    public BatchNorm2d(VarBuilder vb, int numFeatures, float eps = 1e-5f, float? momentum = 0.1f, bool affine = true)
    {
        ArgumentNullException.ThrowIfNull(vb);
        LayerChecks.RequirePositive("BatchNorm2d", (nameof(numFeatures), numFeatures));
        NumFeatures = numFeatures;
        Eps = eps;
        Momentum = momentum;
        (Weight, Bias) = LayerChecks.Affine((n, s, i) => Param(vb, n, s, i), numFeatures, affine);
        RunningMean = Buffer(vb, "running_mean", [numFeatures], Init.Zeros);
        RunningVar = Buffer(vb, "running_var", [numFeatures], Init.Ones);
        NumBatchesTracked = Buffer(vb, "num_batches_tracked", [], Init.Zeros);
    }

    public int NumFeatures { get; }
    public float Eps { get; }
    public float? Momentum { get; }
    public Tensor? Weight { get; }
    public Tensor? Bias { get; }
    public Tensor RunningMean { get; }
    public Tensor RunningVar { get; }
    public Tensor NumBatchesTracked { get; }

    public Tensor Forward(Tensor x)
    {
        LayerChecks.RequireRank("BatchNorm2d", x, 4, "[N, C, H, W]");
        if (!Training) return x.BatchNorm2d(RunningMean, RunningVar, Weight, Bias, training: false, eps: Eps);
        float tracked = NumBatchesTracked.Span[0] + 1;
        NumBatchesTracked.Span[0] = tracked;
        float momentum = Momentum ?? 1f / tracked;
        return x.BatchNorm2d(RunningMean, RunningVar, Weight, Bias, training: true, momentum, Eps);
    }
}

/// <summary>torch.nn.GroupNorm: statistics over groups of C/G channels (and all positions); <c>weight [C]</c> ones,
/// <c>bias [C]</c> zeros when affine.</summary>
// x [N, C, *] → [N, C, *]
public sealed class GroupNorm : Module, IModule
{
    public GroupNorm(VarBuilder vb, int numGroups, int numChannels, float eps = 1e-5f, bool affine = true)
    {
        ArgumentNullException.ThrowIfNull(vb);
        LayerChecks.RequirePositive("GroupNorm", (nameof(numGroups), numGroups), (nameof(numChannels), numChannels));
        LayerChecks.RequireDivisible("GroupNorm", nameof(numChannels), numChannels, nameof(numGroups), numGroups);
        NumGroups = numGroups;
        Eps = eps;
        (Weight, Bias) = LayerChecks.Affine((n, s, i) => Param(vb, n, s, i), numChannels, affine);
    }

    public int NumGroups { get; }
    public float Eps { get; }
    public Tensor? Weight { get; }
    public Tensor? Bias { get; }

    public Tensor Forward(Tensor x) => x.GroupNorm(NumGroups, Weight, Bias, Eps);
}
