using FaceParse.Tensors;
using FaceParse.Training;

namespace FaceParse.Architectures;

/// <summary>An architecture's default optimiser (AdamW) and learning-rate schedule; each value is replaced by the training
/// option of the same name when that is set (<see cref="TrainOptions.Recipe"/>).</summary>
/// <param name="Lr">AdamW base learning rate.</param>
/// <param name="WeightDecay">AdamW weight decay (weights only, biases and other rank ≤ 1 tensors get none, unless
/// <see cref="DecayAllParameters"/>).</param>
/// <param name="Schedule">Cosine or multi-step decay (see <see cref="TrainingSchedule"/>).</param>
/// <param name="WarmupEpochs">Linear warm-up length in epochs (0 = none).</param>
/// <param name="ClipNorm">Maximum gradient L2 norm; 0 = no clipping.</param>
public sealed record TrainingRecipe(double Lr, double WeightDecay, LrScheduleKind Schedule, double WarmupEpochs, double ClipNorm)
{
    /// <summary>Multi-step milestones in epochs; null = 60 % and 85 % of the run.</summary>
    public IReadOnlyList<int>? Milestones { get; init; }

    /// <summary>Multi-step decay factor.</summary>
    public double Gamma { get; init; } = 0.1;

    /// <summary>Weight decay on every parameter, biases and norm scales included, as <c>torch.optim.AdamW(model.parameters())</c>
    /// does (SegFace's official recipe); false: the usual split, no decay on rank ≤ 1 tensors.</summary>
    public bool DecayAllParameters { get; init; }

    /// <summary>Interpolation of the training images' plain resize (labels are always nearest); null keeps the run's
    /// <see cref="AugmentOptions.PlainResizeMode"/>.</summary>
    public FaceParse.Imaging.Geometry.ResizeMode? ImageResize { get; init; }
}

/// <summary>What a training step may use besides the batch: the loss settings of the run and its random generator (part of
/// the resumable state, so draw from it only through <see cref="NextInt"/>).</summary>
public sealed class TrainingStepContext
{
    internal TrainingStepContext(Xoshiro256 rng) => Rng = rng;

    /// <summary>A context with its own seeded generator (tests, benchmarks).</summary>
    public TrainingStepContext(ulong seed) : this(new Xoshiro256(seed)) { }

    internal Xoshiro256 Rng { get; }

    /// <summary>Weight of the cross-entropy term.</summary>
    public float CeWeight { get; init; } = 0.5f;

    /// <summary>Weight of the soft Dice term.</summary>
    public float DiceWeight { get; init; } = 0.5f;

    /// <summary>Per-class cross-entropy weights [K]; null = all 1.</summary>
    public Tensor? ClassWeights { get; init; }

    /// <summary>Cross-entropy label smoothing ε (torch's <c>label_smoothing</c>); 0 = off.</summary>
    public float LabelSmoothing { get; init; }

    /// <summary>Label left out of the loss.</summary>
    public int IgnoreIndex { get; init; } = 255;

    /// <summary>Query pixels per image for architectures that train on a sparse subset of pixels (FP-LIIF); others ignore it.</summary>
    public int QueriesPerImage { get; init; } = 4096;

    /// <summary>A uniform integer in [0, <paramref name="bound"/>) from the run's generator.</summary>
    public int NextInt(int bound) => Rng.Next(bound);
}
