using FaceParse.Export.Onnx;
using FaceParse.Models.SegFace;
using FaceParse.Nn;
using FaceParse.Tensors;
using FaceParse.Training;

namespace FaceParse.Architectures.SegFace;

/// <summary>The configuration of a SegFace model as stored in model files: the backbone short name (mobilenet,
/// resnet101, efficientnet, convnext, swin_b, swin_v2_b) and the class-token names in output order (the official
/// <c>face_decoder.&lt;name&gt;_token</c> attributes).</summary>
public sealed record SegFaceSettings(string Backbone, IReadOnlyList<string> Tokens)
{
    public SegFaceConfig ToConfig() => new(SegFaceConfig.Parse(Backbone), Tokens);
}

/// <summary>SegFace (Narayan et al., AAAI 2025) in the architecture table: presets segface-&lt;backbone&gt;, ImageNet input
/// normalisation, the official recipe (AdamW 1e-4, weight decay 1e-5, lr ÷10 at epochs 80 and 200, input 512) and loss
/// 0.5·CE + 0.5·Dice (Dice with squared denominator sums, as loss/dice_loss.py).</summary>
/// <remarks>Token names: 19 classes get the CelebAMask-HQ tokens of segface_celeb.py (their order is the "segface" label
/// set's), 11 classes the LaPa/Helen tokens (the "lapa"/"helen" sets' order), any other count <c>class_i</c>. So an
/// official checkpoint maps onto the "segface", "lapa" or "helen" label set; with another 19-class order the token names
/// are mere keys.</remarks>
public sealed class SegFaceArchitecture : Architecture<SegFaceSettings>, IArchitecture
{
    public const string ArchitectureName = "segface";

    public override string Name => ArchitectureName;

    public override IReadOnlyList<string> Presets { get; } =
        [.. Enum.GetValues<SegFaceBackbone>().Select(b => PresetOf(b))];

    /// <summary>The preset name of a backbone: segface-mobilenet, segface-resnet101, ….</summary>
    public static string PresetOf(SegFaceBackbone backbone) => "segface-" + SegFaceConfig.NameOf(backbone);

    /// <summary>512, the official training and test resolution.</summary>
    public override int DefaultInputSize => 512;

    /// <summary>The official train_celeb.sh recipe: AdamW lr 1e-4, weight decay 1e-5, MultiStepLR ÷10 at epochs 80 and 200
    /// (of 300), no warm-up, no clipping, bicubic image resize (labels nearest), weight decay on every parameter (train.py's
    /// AdamW over model.parameters(), biases and norms included).</summary>
    public override TrainingRecipe DefaultRecipe { get; } =
        new(Lr: 1e-4, WeightDecay: 1e-5, Schedule: LrScheduleKind.MultiStep, WarmupEpochs: 0, ClipNorm: 0)
        {
            Milestones = [80, 200], Gamma = 0.1, ImageResize = FaceParse.Imaging.Geometry.ResizeMode.Bicubic, DecayAllParameters = true,
        };

    /// <summary>The tanh-warp factor of the official LaPa and Helen models (segface_lapa.py: make_tanh_warp_grid, 0.8).</summary>
    public const double LapaFaceWarp = 0.8;

    public override SegFaceSettings Preset(string preset, int numClasses)
    {
        if (numClasses < 1) throw new ArgumentOutOfRangeException(nameof(numClasses), $"Need at least one class, got {numClasses}.");
        string name = PresetName(preset);
        return new SegFaceSettings(name["segface-".Length..], TokensFor(numClasses));
    }

    /// <summary>Token names for <paramref name="numClasses"/> outputs (see the remarks of the class).</summary>
    public static IReadOnlyList<string> TokensFor(int numClasses) => numClasses switch
    {
        19 => SegFaceConfig.CelebAMaskTokens,
        11 => SegFaceConfig.LapaTokens,
        _ => [.. Enumerable.Range(0, numClasses).Select(i => $"class_{i}")],
    };

    public override void Validate(SegFaceSettings config)
    {
        ArgumentNullException.ThrowIfNull(config);
        SegFaceConfig.Parse(config.Backbone ?? "");
        if (config.Tokens is null || config.Tokens.Count < 1) throw new ArgumentException("SegFace needs at least one class token.");
        if (config.Tokens.Distinct(StringComparer.Ordinal).Count() != config.Tokens.Count) throw new ArgumentException("SegFace token names must be distinct.");
        if (config.Tokens.Any(t => string.IsNullOrEmpty(t) || t.Contains('.', StringComparison.Ordinal)))
            throw new ArgumentException("SegFace token names must be non-empty and contain no '.'.");
    }

    public override int NumClasses(SegFaceSettings config) => config.Tokens.Count;

    public override ParsingNetwork Build(VarBuilder vb, SegFaceSettings config) => new SegFaceNetwork(new SegFaceModel(vb, config.ToConfig()));

    /// <summary>Every backbone, for one input and output size, opset ≥ 17 (<see cref="SegFaceOnnxExporter"/>).</summary>
    public override IOnnxArchitectureExporter OnnxExporter { get; } = new SegFaceOnnxExporter();

    /// <summary>Recognises an official SegFace state dict (<c>state_dict_backbone</c> of model_299.pt): the decoder keys
    /// (<c>linear_fuse.weight</c>, <c>face_decoder.*_token.weight</c>) and the backbone from its first keys; 19 CelebAMask-HQ
    /// tokens map to the "segface" label set, 11 LaPa/Helen tokens to "lapa" with facer's alignment and tanh warp.</summary>
    public StateDictMatch? Recognize(IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (!state.ContainsKey("linear_fuse.weight") || !state.Keys.Any(k => k.StartsWith("face_decoder.", StringComparison.Ordinal))) return null;
        var backbone = BackboneOf(state);
        var tokens = state.Keys.Where(k => k.StartsWith("face_decoder.", StringComparison.Ordinal) && k.EndsWith("_token.weight", StringComparison.Ordinal)
                                           && k.Count(c => c == '.') == 2)
            .Select(k => k["face_decoder.".Length..^"_token.weight".Length]).ToHashSet(StringComparer.Ordinal);
        IReadOnlyList<string>? order = tokens.SetEquals(SegFaceConfig.CelebAMaskTokens) ? SegFaceConfig.CelebAMaskTokens
            : tokens.SetEquals(SegFaceConfig.LapaTokens) ? SegFaceConfig.LapaTokens : null;
        if (backbone is null || order is null) return null;
        string labels = order.Count == 19 ? "segface" : "lapa";
        var settings = new SegFaceSettings(SegFaceConfig.NameOf(backbone.Value), order);
        var match = new StateDictMatch(ToJson(settings), labels, $"SegFace with backbone {settings.Backbone} and {order.Count} class tokens", PresetOf(backbone.Value));
        // segface_lapa.py and segface_helen.py align each face to facer's standard points and tanh-warp it (factor 0.8)
        // inside the network's forward; the CelebAMask-HQ model sees plain crops.
        return order.Count == 19 ? match : match with { FaceTemplate = Detection.FaceTemplate.Facer.Points, FaceWarp = LapaFaceWarp };
    }

    // The backbone from SegFace's backbone keys (see each backbone's layout), or null.
    private static SegFaceBackbone? BackboneOf(IReadOnlyDictionary<string, Tensor> state)
    {
        int[] Shape(string key) => state.TryGetValue(key, out var t) ? [.. t.Shape] : [];
        if (state.ContainsKey("backbone.0.1.0.attn.logit_scale")) return SegFaceBackbone.SwinV2B;
        if (state.ContainsKey("backbone.0.1.0.attn.relative_position_bias_table")) return SegFaceBackbone.SwinB;
        if (state.ContainsKey("backbone.0.1.0.layer_scale")) return SegFaceBackbone.ConvNeXtBase;
        if (state.ContainsKey("backbone.4.0.conv1.weight")) return SegFaceBackbone.ResNet101;
        return Shape("backbone.0.0.weight") switch
        {
            [16, 3, 3, 3] => SegFaceBackbone.MobileNetV3Large,
            [24, 3, 3, 3] => SegFaceBackbone.EfficientNetV2M,
            _ => null,
        };
    }
}

/// <summary>A <see cref="SegFaceModel"/> behind <see cref="ParsingNetwork"/>: ImageNet normalisation of the [0, 1] input,
/// logits at the network's own resolution (4× the stride-4 tap), bilinearly resized (align_corners=False) when another
/// size is asked for. Built in eval mode (batch norm on running statistics); <see cref="TrainingLoss"/> switches to
/// training mode.</summary>
internal sealed class SegFaceNetwork : ParsingNetwork
{
    public SegFaceNetwork(SegFaceModel model) : base(model, model.Config.NumClasses, Normalization.ImageNet)
    {
        Model = model;
        model.Eval();
    }

    public SegFaceModel Model { get; }

    // rgb [N, 3, H, W] in [0, 1] → [N, K, outH, outW]
    public override Tensor Forward(Tensor rgb, int outH, int outW)
    {
        CheckSize(rgb);
        var logits = Model.Forward(Normalize(rgb));
        return logits.Dim(2) == outH && logits.Dim(3) == outW ? logits : logits.Interpolate(outH, outW, InterpolateMode.Bilinear, alignCorners: false);
    }

    /// <summary>Logits over every pixel of the batch (training mode), then 0.5·CE + 0.5·Dice with the run's weights.</summary>
    // images [N, 3, S, S], labels [N, S, S] → []
    public override Tensor TrainingLoss(Tensor images, IntTensor labels, TrainingStepContext context)
    {
        Model.Train();
        Model.Backbone.ReseedStochasticDepth(context.NextInt(int.MaxValue)); // drop-path masks from the run's resumable generator
        var logits = Forward(images, labels.Dim(1), labels.Dim(2));
        var loss = Tensor.CrossEntropy(logits, labels, context.ClassWeights, context.IgnoreIndex, context.LabelSmoothing).Mul(context.CeWeight);
        if (context.DiceWeight > 0)
            loss = loss.Add(Tensor.DiceLoss(logits, labels, ignoreIndex: context.IgnoreIndex, squaredSums: true).Mul(context.DiceWeight));
        TensorScope.ReleaseNow(logits); // both losses keep their own probabilities; nothing reads the logits again
        return loss;
    }

    /// <summary>Smallest and largest input side: the backbones reduce by 32 (ConvNeXt's 2×2 downsamples need ≥ 1 pixel
    /// at stride 16), and at 2048 one image already takes several GB (stride-4 tokens 512² × 256, upscaled 32 × 2048²).</summary>
    public const int MinSide = 32, MaxSide = 2048;

    // Rejects sizes the network cannot take before any activation is allocated.
    private void CheckSize(Tensor rgb)
    {
        if (rgb.Rank != 4 || rgb.Dim(1) != 3) throw new ArgumentException($"SegFace expects RGB [N, 3, H, W], got {Shapes.Format(rgb.Shape)}.");
        int h = rgb.Dim(2), w = rgb.Dim(3);
        if (h < MinSide || w < MinSide || h > MaxSide || w > MaxSide)
            throw new ArgumentException($"SegFace ({Model.Config.BackboneName}) takes input sides {MinSide}..{MaxSide}, got {w}×{h}.");
    }

    // (rgb − mean[c]) / std[c] with ImageNet statistics
    private Tensor Normalize(Tensor rgb)
    {
        var mean = Tensor.FromArray(InputNormalization.Mean, 1, 3, 1, 1);
        var std = Tensor.FromArray(InputNormalization.Std, 1, 3, 1, 1);
        return rgb.Sub(mean).Div(std);
    }
}
