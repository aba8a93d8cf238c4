using FaceParse.Export.Onnx;
using FaceParse.Models.FpLiif;
using FaceParse.Nn;
using FaceParse.Tensors;
using FaceParse.Training;
using FpLiifModel = FaceParse.Models.FpLiif.FpLiif;

namespace FaceParse.Architectures.FpLiif;

/// <summary>FP-LIIF (Sarkar et al., CVPR 2023) in the architecture table: configuration <see cref="FpLiifConfig"/>, presets
/// <see cref="FpLiifConfigs.All"/>, LIIF-style training on random query pixels with <see cref="FpLiifLoss"/>.</summary>
public sealed class FpLiifArchitecture : Architecture<FpLiifConfig>
{
    public const string ArchitectureName = "fp-liif";

    public override string Name => ArchitectureName;

    public override IReadOnlyList<string> Presets { get; } = [.. FpLiifConfigs.All.Select(c => c.Name)];

    /// <summary>256: the CPU training size of fp-liif-small (the shipped model was fine-tuned and is evaluated at 512).</summary>
    public override int DefaultInputSize => 256;

    /// <summary>Our choice (FP-LIIF's recipe is not published for this set-up): AdamW lr 1e-3 — the usual Adam rate for a small
    /// conv net trained from scratch without batch normalisation, kept safe by one warm-up epoch — weight decay 1e-4, cosine
    /// annealing, gradient norm clipped to 1.0 (a guard against rare spikes of the Dice term).</summary>
    public override TrainingRecipe DefaultRecipe { get; } = new(Lr: 1e-3, WeightDecay: 1e-4, Schedule: LrScheduleKind.Cosine, WarmupEpochs: 1, ClipNorm: 1.0);

    public override FpLiifConfig Preset(string preset, int numClasses)
    {
        if (numClasses < 1) throw new ArgumentOutOfRangeException(nameof(numClasses), $"Need at least one class, got {numClasses}.");
        return FpLiifConfigs.Get(PresetName(preset)) with { NumClasses = numClasses };
    }

    public override void Validate(FpLiifConfig config) => config.Validate();

    public override int NumClasses(FpLiifConfig config) => config.NumClasses;

    public override ParsingNetwork Build(VarBuilder vb, FpLiifConfig config) => new FpLiifNetwork(new FpLiifModel(vb, config));

    /// <summary>The fast form for one input and output size (<see cref="FpLiifOnnxExporter"/>).</summary>
    public override IOnnxArchitectureExporter OnnxExporter { get; } = new FpLiifOnnxExporter();
}

/// <summary>An <see cref="FpLiifModel"/> behind <see cref="ParsingNetwork"/>: the fast full-grid decoder for
/// <see cref="Forward"/>, the continuous decoder queried directly for <see cref="ForwardAt"/>.</summary>
internal sealed class FpLiifNetwork(FpLiifModel model)
    : ParsingNetwork(model, model.Config.NumClasses, new Normalization([.. model.Config.InputMean], [.. model.Config.InputStd]))
{
    public FpLiifModel Model { get; } = model;

    // rgb [N, 3, H, W] → [N, K, outH, outW]
    public override Tensor Forward(Tensor rgb, int outH, int outW) => Model.Forward(rgb, outH, outW);

    public override bool DecodesInBands => true;

    // rgb [1, 3, H, W] → sink(firstRow, rows, logits [1, K, rows·outW]), bands of at most ChunkPixels pixels
    public override void ForwardRows(Tensor rgb, int outH, int outW, Action<int, int, Tensor> sink)
    {
        if (GradMode.Enabled) base.ForwardRows(rgb, outH, outW, sink);
        else Model.ForwardRows(rgb, outH, outW, sink);
    }

    // rgb [N, 3, H, W], coords [N, Hq, Wq, 2] (x, y) → [N, K, Hq, Wq]
    public override Tensor ForwardAt(Tensor rgb, Tensor coords) => Model.ForwardAt(rgb, coords);

    /// <summary>LIIF-style: Q random pixels per image (<see cref="QueryPixelSampler"/>), the literal decoder at those pixels,
    /// CE + Dice over them (<see cref="FpLiifLoss"/>).</summary>
    // images [N, 3, S, S], labels [N, S, S] → []
    public override Tensor TrainingLoss(Tensor images, IntTensor labels, TrainingStepContext context)
    {
        var (z, g) = Model.Encode(images);
        return TrainingLossFrom(z, g, labels, context);
    }

    /// <summary>The decoder half of <see cref="TrainingLoss"/> on an encoded batch (profiles time the halves apart).</summary>
    // z [N, C, Hf, Wf], g [N, C], labels [N, S, S] → []
    internal Tensor TrainingLossFrom(Tensor z, Tensor g, IntTensor labels, TrainingStepContext context)
    {
        var queries = QueryPixelSampler.Sample(labels, context.QueriesPerImage, context.Rng);
        var logits = Model.Query(z, g, queries.Coordinates, (labels.Dim(1), labels.Dim(2))); // [N, Q, K]
        var loss = new FpLiifLoss
        {
            CeWeight = context.CeWeight, DiceWeight = context.DiceWeight, ClassWeights = context.ClassWeights, IgnoreIndex = context.IgnoreIndex,
            LabelSmoothing = context.LabelSmoothing,
        };
        return loss.Compute(logits, queries.Labels);
    }
}
