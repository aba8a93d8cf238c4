using FaceParse.Export.Onnx;
using FaceParse.Nn;

namespace FaceParse.Architectures;

/// <summary>One kind of face-parsing network (FP-LIIF, SegFace, …): everything the pipeline needs to know about it. Training,
/// evaluation, inference, benchmarks and <c>faceparse info</c> reach a network only through this interface and
/// <see cref="ParsingNetwork"/>, and find it by name in <see cref="ArchitectureRegistry"/>. Derive from
/// <see cref="Architecture{TConfig}"/> rather than implementing this directly: it does the JSON and the validation.</summary>
public interface IArchitecture
{
    /// <summary>Name recorded in model files (<c>ModelDescription.Architecture</c>), e.g. "fp-liif".</summary>
    string Name { get; }

    /// <summary>The configuration record, stored as JSON in the model description.</summary>
    Type ConfigType { get; }

    /// <summary>Named configurations (e.g. "fp-liif", "fp-liif-small"); <c>--model</c> of <c>faceparse train</c> takes these.
    /// Preset names are unique across all registered architectures.</summary>
    IReadOnlyList<string> Presets { get; }

    /// <summary>Square input side used when the caller names none (training size, <c>info</c> of a preset).</summary>
    int DefaultInputSize { get; }

    /// <summary>The optimiser and schedule a training run uses unless its options override them.</summary>
    TrainingRecipe DefaultRecipe { get; }

    /// <summary>The configuration JSON of a preset with <paramref name="numClasses"/> outputs.</summary>
    /// <exception cref="ArgumentException">No preset has that name.</exception>
    string PresetConfigJson(string preset, int numClasses);

    /// <summary>A configuration re-serialised the way <see cref="PresetConfigJson"/> writes it (field order, defaults), so two
    /// configurations can be compared as strings.</summary>
    /// <exception cref="InvalidDataException">Unreadable or inconsistent configuration.</exception>
    string CanonicalConfigJson(string configJson);

    /// <summary>Parses and validates a configuration; returns the number of output classes it declares.</summary>
    /// <exception cref="InvalidDataException">Unreadable or inconsistent configuration (the message names the architecture).</exception>
    int ValidateConfig(string configJson);

    /// <summary>Builds the network, pulling every weight from <paramref name="vb"/> by its PyTorch key path.</summary>
    /// <exception cref="InvalidDataException">Bad configuration.</exception>
    /// <exception cref="KeyNotFoundException">A weight is missing (callers turn it into an <see cref="InvalidDataException"/>).</exception>
    /// <exception cref="ArgumentException">A weight has the wrong shape.</exception>
    ParsingNetwork Build(VarBuilder vb, string configJson);

    /// <summary>Writes this architecture's network as an ONNX graph (<c>faceparse export</c>, the ONNX Runtime engine), or null
    /// when it has no exporter (exporting it is then an error naming it).</summary>
    IOnnxArchitectureExporter? OnnxExporter => null;

    /// <summary>What a bare PyTorch state dict of this architecture (e.g. an official checkpoint) implies: its configuration
    /// JSON, the label set its outputs follow and a one-line description, or null when the keys are not this
    /// architecture's. Used by <see cref="Inference.PyTorchImport"/>; the default recognises nothing.</summary>
    StateDictMatch? Recognize(IReadOnlyDictionary<string, FaceParse.Tensors.Tensor> state) => null;
}

/// <summary>An architecture's reading of a bare state dict (see <see cref="IArchitecture.Recognize"/>).</summary>
/// <param name="ConfigJson">The configuration the keys imply.</param>
/// <param name="Labels">The label set the outputs follow (e.g. "segface" for SegFace's 19 CelebAMask-HQ tokens).</param>
/// <param name="Summary">What the checkpoint holds, for messages (e.g. "SegFace with backbone mobilenet and 19 class tokens").</param>
/// <param name="Preset">The preset with the same shape, if any.</param>
public sealed record StateDictMatch(string ConfigJson, string Labels, string Summary, string? Preset)
{
    /// <summary>The alignment the checkpoint's models were trained with, when the architecture knows it: the five-point
    /// template (fractions of the input side) and the tanh-warp factor (see <see cref="Inference.ModelDescription"/>).</summary>
    public IReadOnlyList<double>? FaceTemplate { get; init; }

    /// <inheritdoc cref="FaceTemplate"/>
    public double? FaceWarp { get; init; }
}
