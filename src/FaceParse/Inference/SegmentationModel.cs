using FaceParse.Architectures;
using FaceParse.Imaging;
using FaceParse.Labels;
using FaceParse.Nn;
using FaceParse.Tensors;

namespace FaceParse.Inference;

/// <summary>A face-parsing network with what is needed to use it: its description, label set and input size. The network
/// comes from the architecture its description names (<see cref="ArchitectureRegistry"/>), so training, evaluation and
/// inference share one path for every architecture.</summary>
public sealed class SegmentationModel
{
    private SegmentationModel(ModelDescription description, IArchitecture architecture, ParsingNetwork network)
    {
        Description = description;
        Architecture = architecture;
        Network = network;
        Labels = LabelSets.Get(description.Labels);
        if (Labels.Version != description.LabelsVersion)
            throw new InvalidDataException($"Model '{description.Name}' uses label table '{description.Labels}' v{description.LabelsVersion}; this build has v{Labels.Version}.");
        if (network.NumClasses != Labels.Count)
            throw new InvalidDataException($"Model '{description.Name}' has {network.NumClasses} outputs but label set '{Labels.Name}' has {Labels.Count} classes.");
    }

    public ModelDescription Description { get; }
    public IArchitecture Architecture { get; }
    public ParsingNetwork Network { get; }
    public Module Module => Network.Module;
    public LabelSet Labels { get; }
    public string Name => Description.Name;
    public int InputSize => Description.InputSize;
    public long ParameterCount => Module.ParameterCount;

    /// <summary>Architectures this build can construct.</summary>
    public static IReadOnlyList<string> Architectures => [.. ArchitectureRegistry.All.Select(a => a.Name)];

    // rgb[N,3,H,W] in [0,1] -> logits[N,K,outH,outW]
    public Tensor Forward(Tensor rgb, int outH, int outW) => Network.Forward(rgb, outH, outW);

    /// <summary>Logits at arbitrary points of the input (see <see cref="ParsingNetwork.ForwardAt"/>).</summary>
    // rgb[N,3,H,W] in [0,1], coords[N,Hq,Wq,2] (x, y) in [-1,1] -> logits[N,K,Hq,Wq]
    public Tensor ForwardAt(Tensor rgb, Tensor coords) => Network.ForwardAt(rgb, coords);

    /// <summary>A freshly initialised model (seeded) for a preset of any registered architecture, e.g. "fp-liif-small", with one
    /// output per class of <paramref name="labels"/>.</summary>
    /// <exception cref="ArgumentException">No architecture has that preset.</exception>
    public static SegmentationModel CreateNew(string preset, LabelSet labels, int inputSize, int seed, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var (architecture, exact) = ArchitectureRegistry.GetPreset(preset);
        var description = new ModelDescription(architecture.Name, name ?? $"{exact}-{labels.Name}", architecture.PresetConfigJson(exact, labels.Count),
            labels.Name, labels.Version, inputSize);
        return Build(description, VarBuilder.Init(seed), strictWeights: null);
    }

    /// <summary>The preset whose configuration a description records (e.g. segface-mobilenet), or null (a custom one).</summary>
    public static string? PresetOf(ModelDescription description)
    {
        ArgumentNullException.ThrowIfNull(description);
        if (ArchitectureRegistry.Find(description.Architecture) is not { } architecture || !LabelSets.TryGet(description.Labels, out var set)) return null;
        string config = architecture.CanonicalConfigJson(description.ConfigJson);
        return architecture.Presets.FirstOrDefault(p => architecture.PresetConfigJson(p, set.Count) == config);
    }

    /// <summary>Builds the network a description names and loads <paramref name="weights"/> into it (every key must match).</summary>
    public static SegmentationModel Create(ModelDescription description, IReadOnlyDictionary<string, Tensor> weights) =>
        Build(description, VarBuilder.Checking(weights), weights);

    /// <summary>A FaceParse model file, or a PyTorch checkpoint (.pt/.pth, recognised by its first bytes) through
    /// <see cref="PyTorchImport"/>. With <paramref name="preset"/> (<c>--arch</c>, e.g. segface-mobilenet) the model must be
    /// that preset: a checkpoint is read as it, a model file must record its architecture and configuration.</summary>
    /// <exception cref="ArgumentException">The file holds another architecture or configuration (the message names both), or
    /// no architecture has that preset.</exception>
    public static SegmentationModel Load(string path, string? preset = null)
    {
        using var longLived = TensorScope.Suspend(); // the weights outlive any scope the caller has open
        if (File.Exists(path) && StateDicts.IsPyTorch(path)) return PyTorchImport.Load(path, preset);
        var (description, weights) = ModelFile.Load(path);
        if (preset is not null)
        {
            var (_, exact) = ArchitectureRegistry.GetPreset(preset);
            string? actual = PresetOf(description);
            if (!string.Equals(actual, exact, StringComparison.Ordinal))
                throw new ArgumentException($"'{path}' holds {(actual is null ? $"a {description.Architecture} model of no preset" : actual)} " +
                                            $"('{description.Name}'), not {exact}.");
        }
        return Create(description, weights);
    }

    public static SegmentationModel Load(Stream stream, string name = "<stream>")
    {
        using var longLived = TensorScope.Suspend();
        var (description, weights) = ModelFile.Load(stream, name);
        return Create(description, weights);
    }

    /// <summary>Writes the weights and description atomically.</summary>
    public void Save(string path, string? notes = null) =>
        ModelFile.Save(path, notes is null ? Description : Description with { Notes = notes }, Module.StateDict());

    /// <summary>A copy with its own weights (the same description), e.g. to train without touching this one.</summary>
    public SegmentationModel Clone()
    {
        using var longLived = TensorScope.Suspend();
        return Create(Description, Module.StateDict().ToDictionary(p => p.Key, p => p.Value.Clone()));
    }

    /// <summary>The one inference path shared by <see cref="FaceParser"/> and the evaluator: the photo as network input
    /// (<see cref="ModelInput.FromPhoto"/>), then logits at outH × outW without recording gradients — computed by
    /// <paramref name="engine"/> when one is given (e.g. ONNX Runtime), by the managed network otherwise.</summary>
    // photo → logits [1, K, outH, outW] (in the caller's TensorScope)
    internal Tensor PhotoLogits(Image photo, int side, int outH, int outW, IInferenceEngine? engine = null)
    {
        using var noGrad = GradMode.NoGrad();
        var input = ModelInput.FromPhoto(photo, side);
        return engine is null ? Forward(input, outH, outW) : engine.Forward(this, input, outH, outW);
    }

    /// <summary><see cref="PhotoLogits"/> in bands of output rows (see <see cref="ParsingNetwork.ForwardRows"/>).</summary>
    // photo → sink(firstRow, rows, logits [1, K, rows·outW]) over all outH rows
    internal void PhotoLogitRows(Image photo, int side, int outH, int outW, Action<int, int, Tensor> sink)
    {
        using var noGrad = GradMode.NoGrad();
        Network.ForwardRows(ModelInput.FromPhoto(photo, side), outH, outW, sink);
    }

    private static SegmentationModel Build(ModelDescription description, VarBuilder vb, IReadOnlyDictionary<string, Tensor>? strictWeights)
    {
        ArgumentNullException.ThrowIfNull(description);
        using var longLived = TensorScope.Suspend(); // parameters built inside a caller's scope must not return to the pool with it
        var architecture = ArchitectureRegistry.Find(description.Architecture) ?? throw new InvalidDataException(
            $"Model '{description.Name}' has architecture '{description.Architecture}'; this build supports {string.Join(", ", Architectures)}.");
        ParsingNetwork network;
        try { network = architecture.Build(vb, description.ConfigJson); }
        catch (InvalidDataException e) { throw new InvalidDataException($"Model '{description.Name}': {e.Message}", e); }
        catch (Exception e) when (e is KeyNotFoundException or ArgumentException)
        {
            throw new InvalidDataException($"Model '{description.Name}': weights do not fit the {architecture.Name} configuration ({e.Message}).", e);
        }
        if (strictWeights is not null)
        {
            var (missing, unused, mismatched) = vb.Problems();
            static string List(string what, IReadOnlyList<string> keys) =>
                $"{what} ({keys.Count}): {string.Join(", ", keys.Take(8))}{(keys.Count > 8 ? ", …" : "")}";
            var parts = new List<string>();
            if (missing.Count > 0) parts.Add(List("missing keys", missing));
            if (unused.Count > 0) parts.Add(List("weights with no place in the network", unused));
            if (mismatched.Count > 0) parts.Add(List("shape mismatches", mismatched));
            if (parts.Count > 0) throw new InvalidDataException($"Model '{description.Name}' ({architecture.Name}): {string.Join("; ", parts)}.");
        }
        return new SegmentationModel(description, architecture, network);
    }
}
