using FaceParse.Nn;
using FaceParse.Tensors;
using FaceParse.Training;

namespace FaceParse.Architectures;

/// <summary>A built network of some <see cref="IArchitecture"/>: the module holding its weights plus the three things the
/// pipeline asks of it — logits at a requested size, logits at arbitrary points, and the loss of one training batch.
/// Inputs are always RGB in [0, 1]; the network applies its own <see cref="InputNormalization"/>.</summary>
// rgb [N, 3, H, W] in [0, 1] → logits [N, K, outH, outW]
public abstract class ParsingNetwork
{
    protected ParsingNetwork(Module module, int numClasses, Normalization inputNormalization)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(inputNormalization);
        if (numClasses < 1) throw new ArgumentOutOfRangeException(nameof(numClasses), $"A network needs at least one class, got {numClasses}.");
        Module = module;
        NumClasses = numClasses;
        InputNormalization = inputNormalization;
    }

    /// <summary>The weights (state-dict keys are PyTorch module paths).</summary>
    public Module Module { get; }

    /// <summary>Output channels K.</summary>
    public int NumClasses { get; }

    /// <summary>The per-channel normalisation the network applies to its [0, 1] input inside <see cref="Forward"/> (FP-LIIF:
    /// its configuration's mean/std; SegFace: ImageNet's). Exporters and other runtimes read it from here.</summary>
    public Normalization InputNormalization { get; }

    /// <summary>Logits at outH × outW, aligned with the input (output pixel centres at the same relative positions).</summary>
    // rgb [N, 3, H, W] in [0, 1] → logits [N, K, outH, outW]
    public abstract Tensor Forward(Tensor rgb, int outH, int outW);

    /// <summary>Logits at arbitrary points of the input. <paramref name="coords"/> follow grid_sample: (x, y) in [-1, 1],
    /// align_corners=False (pixel centres at −1 + (2i + 1)/n). By default the logits at the input's own size, sampled
    /// bilinearly (border padding); an architecture with a continuous decoder overrides this to query it directly.</summary>
    // rgb [N, 3, H, W] in [0, 1], coords [N, Hq, Wq, 2] (x, y) → logits [N, K, Hq, Wq]
    public virtual Tensor ForwardAt(Tensor rgb, Tensor coords)
    {
        ArgumentNullException.ThrowIfNull(rgb);
        ArgumentNullException.ThrowIfNull(coords);
        if (rgb.Rank != 4 || coords.Rank != 4 || coords.Dim(0) != rgb.Dim(0) || coords.Dim(3) != 2)
            throw new ArgumentException($"coords {Shapes.Format(coords.Shape)} must be [N, Hq, Wq, 2] for input {Shapes.Format(rgb.Shape)}.");
        return Forward(rgb, rgb.Dim(2), rgb.Dim(3)).GridSample(coords, GridSampleMode.Bilinear, GridPadding.Border, alignCorners: false);
    }

    /// <summary>The scalar loss of one training batch (recorded for backward). The images are augmented and at the training
    /// size; labels hold class ids or <see cref="TrainingStepContext.IgnoreIndex"/>.</summary>
    // images [N, 3, S, S] in [0, 1], labels [N, S, S] → []
    public abstract Tensor TrainingLoss(Tensor images, IntTensor labels, TrainingStepContext context);
}
