using FaceParse.Architectures;
using FaceParse.Nn;
using FaceParse.Tensors;
using FaceParse.Training;

namespace FaceParse.Tests.Architectures;

/// <summary>Configuration of the test-only architecture: a 3×3 conv to <see cref="Hidden"/> channels, ReLU, a 1×1 conv to
/// the classes, logits bilinearly resized to the requested size.</summary>
public sealed record TinyConvConfig
{
    public required string Name { get; init; }
    public int Hidden { get; init; } = 8;
    public int NumClasses { get; init; } = 11;
}

/// <summary>A second architecture that exists only in the tests, registered at run time, with nothing of FP-LIIF: it trains on
/// full-resolution logits with plain cross-entropy and uses the default (grid-sampled) <see cref="ParsingNetwork.ForwardAt"/>.
/// Its recipe differs from FP-LIIF's, so the tests can see whose recipe a run used.</summary>
public sealed class TinyConvArchitecture : Architecture<TinyConvConfig>
{
    public static readonly TinyConvArchitecture Instance = new();

    /// <summary>Registers the one instance (idempotent; test classes may run in any order or in parallel).</summary>
    public static TinyConvArchitecture Registered()
    {
        ArchitectureRegistry.Register(Instance);
        return Instance;
    }

    public override string Name => "test-tiny-conv";
    public override IReadOnlyList<string> Presets { get; } = ["test-tiny-conv-4", "test-tiny-conv-8"];
    public override int DefaultInputSize => 24;
    public override TrainingRecipe DefaultRecipe { get; } = new(Lr: 0.02, WeightDecay: 0, Schedule: LrScheduleKind.MultiStep, WarmupEpochs: 0, ClipNorm: 0);

    public override TinyConvConfig Preset(string preset, int numClasses) =>
        new() { Name = PresetName(preset), Hidden = PresetName(preset) == "test-tiny-conv-4" ? 4 : 8, NumClasses = numClasses };

    public override void Validate(TinyConvConfig config)
    {
        if (config.Hidden < 1 || config.NumClasses < 1) throw new ArgumentException($"hidden width and classes must be positive, got {config.Hidden} and {config.NumClasses}.");
    }

    public override int NumClasses(TinyConvConfig config) => config.NumClasses;

    public override ParsingNetwork Build(VarBuilder vb, TinyConvConfig config) => new TinyConvNetwork(new TinyConvModule(vb, config), config.NumClasses);
}

// x [N, 3, H, W] → [N, K, H, W]
internal sealed class TinyConvModule : Module
{
    public TinyConvModule(VarBuilder vb, TinyConvConfig config)
    {
        Conv = Child(vb, "conv", v => new Conv2d(v, 3, config.Hidden, 3, padding: 1)); // [N,3,H,W] → [N,Hd,H,W]
        Head = Child(vb, "head", v => new Conv2d(v, config.Hidden, config.NumClasses, 1)); // [N,Hd,H,W] → [N,K,H,W]
    }

    public Conv2d Conv { get; }
    public Conv2d Head { get; }

    public Tensor Forward(Tensor x) => Head.Forward(Conv.Forward(x.Sub(0.5f).Mul(4f)).Relu());
}

internal sealed class TinyConvNetwork(TinyConvModule module, int classes)
    : ParsingNetwork(module, classes, new Normalization([0.5f, 0.5f, 0.5f], [0.25f, 0.25f, 0.25f]))
{
    public int TrainingLossCalls;

    // rgb [N, 3, H, W] → [N, K, outH, outW]
    public override Tensor Forward(Tensor rgb, int outH, int outW)
    {
        var logits = module.Forward(rgb);
        return outH == rgb.Dim(2) && outW == rgb.Dim(3) ? logits : logits.Interpolate(outH, outW, InterpolateMode.Bilinear);
    }

    // images [N, 3, S, S], labels [N, S, S] → []
    public override Tensor TrainingLoss(Tensor images, IntTensor labels, TrainingStepContext context)
    {
        Interlocked.Increment(ref TrainingLossCalls);
        return Tensor.CrossEntropy(Forward(images, labels.Dim(1), labels.Dim(2)), labels, context.ClassWeights, ignoreIndex: context.IgnoreIndex);
    }
}
