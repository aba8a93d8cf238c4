using System.Text.Json;
using FaceParse.Export.Onnx;
using FaceParse.Inference;
using FaceParse.Nn;

namespace FaceParse.Architectures;

/// <summary>Base of an architecture with a typed configuration record: serialises it with the model file's JSON options
/// (snake_case, enums as strings) and turns unreadable or invalid configurations into <see cref="InvalidDataException"/>.</summary>
/// <typeparam name="TConfig">The configuration record.</typeparam>
public abstract class Architecture<TConfig> : IArchitecture where TConfig : class
{
    public abstract string Name { get; }
    public Type ConfigType => typeof(TConfig);
    public abstract IReadOnlyList<string> Presets { get; }
    public abstract int DefaultInputSize { get; }
    public abstract TrainingRecipe DefaultRecipe { get; }

    /// <summary>The preset's configuration with <paramref name="numClasses"/> outputs.</summary>
    /// <exception cref="ArgumentException">Unknown preset.</exception>
    public abstract TConfig Preset(string preset, int numClasses);

    /// <summary>Throws <see cref="ArgumentException"/> when the configuration is inconsistent.</summary>
    public abstract void Validate(TConfig config);

    /// <summary>Output classes of a (valid) configuration.</summary>
    public abstract int NumClasses(TConfig config);

    /// <summary>The network of a validated configuration.</summary>
    public abstract ParsingNetwork Build(VarBuilder vb, TConfig config);

    /// <summary>The architecture's ONNX exporter (lives in its folder), or null: none.</summary>
    public virtual IOnnxArchitectureExporter? OnnxExporter => null;

    public string PresetConfigJson(string preset, int numClasses) => ToJson(Preset(preset, numClasses));

    public string ToJson(TConfig config) => JsonSerializer.Serialize(config, ModelFile.Json);

    /// <summary>Parses and validates a configuration.</summary>
    /// <exception cref="InvalidDataException">Unreadable JSON or an invalid configuration.</exception>
    public TConfig ReadConfig(string configJson)
    {
        ArgumentNullException.ThrowIfNull(configJson);
        TConfig config;
        try { config = JsonSerializer.Deserialize<TConfig>(configJson, ModelFile.Json) ?? throw new JsonException("null configuration"); }
        catch (JsonException e) { throw new InvalidDataException($"Unreadable {Name} configuration ({e.Message}).", e); }
        try { Validate(config); }
        catch (ArgumentException e) { throw new InvalidDataException($"Invalid {Name} configuration: {e.Message}", e); }
        return config;
    }

    public int ValidateConfig(string configJson) => NumClasses(ReadConfig(configJson));

    public string CanonicalConfigJson(string configJson) => ToJson(ReadConfig(configJson));

    public ParsingNetwork Build(VarBuilder vb, string configJson)
    {
        ArgumentNullException.ThrowIfNull(vb);
        return Build(vb, ReadConfig(configJson));
    }

    /// <summary>The preset of <see cref="Presets"/> called <paramref name="preset"/> (case-insensitive), or an
    /// <see cref="ArgumentException"/> listing them.</summary>
    protected string PresetName(string preset) =>
        Presets.FirstOrDefault(p => string.Equals(p, preset, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown {Name} preset '{preset}'; known: {string.Join(", ", Presets)}.", nameof(preset));
}
