using System.Text.Json;
using FaceParse.Labels;
using FaceParse.Models.FpLiif;
using FaceParse.Nn;
using FaceParse.Tensors;

namespace FaceParse.Inference;

/// <summary>A face-parsing network with what is needed to use it: its description, label set and input size.
/// The one place that maps an architecture name to a model class, so training, evaluation and inference share it.</summary>
public sealed class SegmentationModel
{
    private readonly Func<Tensor, int, int, Tensor> _forward;

    private SegmentationModel(ModelDescription description, Module module, Func<Tensor, int, int, Tensor> forward)
    {
        Description = description;
        Module = module;
        _forward = forward;
        Labels = LabelSets.Get(description.Labels);
        if (Labels.Version != description.LabelsVersion)
            throw new InvalidDataException($"Model '{description.Name}' uses label table '{description.Labels}' v{description.LabelsVersion}; this build has v{Labels.Version}.");
    }

    public ModelDescription Description { get; }
    public Module Module { get; }
    public LabelSet Labels { get; }
    public string Name => Description.Name;
    public int InputSize => Description.InputSize;
    public long ParameterCount => Module.ParameterCount;

    /// <summary>Architectures this build can construct.</summary>
    public static IReadOnlyList<string> Architectures { get; } = ["fp-liif"];

    // rgb[N,3,H,W] in [0,1] -> logits[N,K,outH,outW]
    public Tensor Forward(Tensor rgb, int outH, int outW) => _forward(rgb, outH, outW);

    /// <summary>A freshly initialised model (seeded) for the named configuration, e.g. "fp-liif-small", with one output per class of
    /// <paramref name="labels"/>.</summary>
    public static SegmentationModel CreateNew(string configName, LabelSet labels, int inputSize, int seed, string? name = null)
    {
        var config = FpLiifConfigs.Get(configName) with { NumClasses = labels.Count };
        var description = new ModelDescription("fp-liif", name ?? $"{configName}-{labels.Name}", JsonSerializer.Serialize(config, ModelFile.Json), labels.Name, labels.Version, inputSize);
        return Build(description, VarBuilder.Init(seed), strictWeights: null);
    }

    /// <summary>Builds the network a description names and loads <paramref name="weights"/> into it (every key must match).</summary>
    public static SegmentationModel Create(ModelDescription description, IReadOnlyDictionary<string, Tensor> weights) =>
        Build(description, VarBuilder.From(weights), weights);

    public static SegmentationModel Load(string path)
    {
        var (description, weights) = ModelFile.Load(path);
        return Create(description, weights);
    }

    public static SegmentationModel Load(Stream stream, string name = "<stream>")
    {
        var (description, weights) = ModelFile.Load(stream, name);
        return Create(description, weights);
    }

    /// <summary>Writes the weights and description atomically.</summary>
    public void Save(string path, string? notes = null) =>
        ModelFile.Save(path, notes is null ? Description : Description with { Notes = notes }, Module.StateDict());

    private static SegmentationModel Build(ModelDescription description, VarBuilder vb, IReadOnlyDictionary<string, Tensor>? strictWeights)
    {
        if (description.Architecture != "fp-liif")
            throw new InvalidDataException($"Model '{description.Name}' has architecture '{description.Architecture}'; this build supports {string.Join(", ", Architectures)}.");
        FpLiifConfig config;
        try { config = JsonSerializer.Deserialize<FpLiifConfig>(description.ConfigJson, ModelFile.Json) ?? throw new JsonException("null configuration"); }
        catch (JsonException e) { throw new InvalidDataException($"Model '{description.Name}': unreadable fp-liif configuration ({e.Message}).", e); }
        config.Validate();
        FpLiif model;
        try { model = new FpLiif(vb, config); }
        catch (Exception e) when (e is KeyNotFoundException or ArgumentException) { throw new InvalidDataException($"Model '{description.Name}': weights do not fit the fp-liif configuration ({e.Message}).", e); }
        if (strictWeights is not null)
        {
            var unused = vb.UnusedKeys().ToList();
            if (unused.Count > 0) throw new InvalidDataException($"Model '{description.Name}': weights with no place in the network: {string.Join(", ", unused.Take(8))}{(unused.Count > 8 ? ", …" : "")}.");
        }
        return new SegmentationModel(description, model, model.Forward);
    }
}
