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

    /// <summary>Parses and validates a configuration; returns the number of output classes it declares.</summary>
    /// <exception cref="InvalidDataException">Unreadable or inconsistent configuration (the message names the architecture).</exception>
    int ValidateConfig(string configJson);

    /// <summary>Builds the network, pulling every weight from <paramref name="vb"/> by its PyTorch key path.</summary>
    /// <exception cref="InvalidDataException">Bad configuration.</exception>
    /// <exception cref="KeyNotFoundException">A weight is missing (callers turn it into an <see cref="InvalidDataException"/>).</exception>
    /// <exception cref="ArgumentException">A weight has the wrong shape.</exception>
    ParsingNetwork Build(VarBuilder vb, string configJson);
}
