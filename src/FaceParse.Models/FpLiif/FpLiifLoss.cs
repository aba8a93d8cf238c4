using FaceParse.Tensors;

namespace FaceParse.Models.FpLiif;

/// <summary>Training loss on query subsets: CeWeight·CrossEntropy + DiceWeight·Dice (SegFace's 0.5/0.5 mix by default)
/// over [N, Q, K] logits against [N, Q] labels, pixels labelled <see cref="IgnoreIndex"/> left out of both.</summary>
public sealed record FpLiifLoss
{
    /// <summary>Weight of the cross-entropy term.</summary>
    public float CeWeight { get; init; } = 0.5f;

    /// <summary>Weight of the soft Dice term.</summary>
    public float DiceWeight { get; init; } = 0.5f;

    /// <summary>Label excluded from both terms (255, the usual "unlabelled" value).</summary>
    public int IgnoreIndex { get; init; } = 255;

    /// <summary>Optional per-class cross-entropy weights [K] (torch's <c>weight</c>: the mean divides by the summed weights
    /// of the counted pixels); the Dice term stays unweighted. Null = all 1.</summary>
    public Tensor? ClassWeights { get; init; }

    /// <summary>Cross-entropy label smoothing ε (torch's <c>label_smoothing</c>); the Dice term uses the hard labels.</summary>
    public float LabelSmoothing { get; init; }

    /// <summary>The combined scalar loss.</summary>
    // logits [N, Q, K], labels [N, Q] → []
    public Tensor Compute(Tensor logits, IntTensor labels)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(labels);
        if (logits.Rank != 3) throw new ArgumentException($"FP-LIIF loss: logits {Shapes.Format(logits.Shape)} must be [N, Q, K].");
        var channelFirst = logits.Permute(0, 2, 1); // [N, K, Q]
        var ce = Tensor.CrossEntropy(channelFirst, labels, ClassWeights, ignoreIndex: IgnoreIndex, labelSmoothing: LabelSmoothing);
        var dice = Tensor.DiceLoss(channelFirst, labels, ignoreIndex: IgnoreIndex);
        return ce.Mul(CeWeight).Add(dice.Mul(DiceWeight));
    }
}
