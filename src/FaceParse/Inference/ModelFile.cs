using System.Text.Json;
using System.Text.Json.Serialization;
using FaceParse.Tensors;
using FaceParse.Tensors.Serialization;

namespace FaceParse.Inference;

/// <summary>What a model file says about the network it holds (stored as JSON in the safetensors metadata).</summary>
/// <param name="Architecture">Model family, e.g. "fp-liif".</param>
/// <param name="Name">The model's own name, e.g. "fp-liif-small-celebamask-mini".</param>
/// <param name="ConfigJson">The architecture's configuration record as JSON (e.g. an FpLiifConfig).</param>
/// <param name="Labels">Label set name (see LabelSets).</param>
/// <param name="LabelsVersion">Label table version the class ids refer to.</param>
/// <param name="InputSize">Square input side the model was trained at (photos are resized to it).</param>
public sealed record ModelDescription(string Architecture, string Name, string ConfigJson, string Labels, string LabelsVersion, int InputSize)
{
    /// <summary>The input sizes a model file may declare (the same range as training's --size).</summary>
    public const int MinInputSize = 8, MaxInputSize = 4096;

    /// <summary>Free text: data, training command, metrics (the model card's summary).</summary>
    public string? Notes { get; init; }
    public int FormatVersion { get; init; } = ModelFile.CurrentFormatVersion;

    /// <summary>Mean positions of the five MTCNN landmarks in the model's input frame, as fractions of its side (x, y pairs:
    /// left eye, right eye, nose, mouth left, mouth right), measured with <c>faceparse detect TRAIN --template</c>; used to
    /// align faces in <see cref="FaceMode.Auto"/>. Null: the CelebAMask-HQ template (<c>FaceTemplate.CelebAMaskHq</c>).</summary>
    public IReadOnlyList<double>? FaceTemplate { get; init; }

    /// <summary>facer's tanh-warp factor f in [0, 1] for <see cref="FaceMode.Auto"/>: the aligned frame's central band
    /// |c| ≤ 1 − f reaches the input unchanged and everything beyond is compressed into the margin (<c>TanhWarp</c>), and the
    /// logits come back through the inverse. SegFace's LaPa and Helen models were trained this way (f = 0.8). Null or 0: a
    /// plain similarity warp.</summary>
    public double? FaceWarp { get; init; }
}

/// <summary>A trained model on disk: safetensors weights keyed by PyTorch-style module paths, plus a
/// <see cref="ModelDescription"/> under the metadata key <see cref="MetadataKey"/>. Saves are atomic.</summary>
public static class ModelFile
{
    public const string MetadataKey = "faceparse.model";
    public const int CurrentFormatVersion = 1;

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter() },
        // A hostile description must not smuggle null into a non-nullable field (or leave one out): both are JsonExceptions.
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    public static void Save(string path, ModelDescription description, IReadOnlyDictionary<string, Tensor> weights) =>
        SafeTensors.Save(path, weights, new Dictionary<string, string> { [MetadataKey] = JsonSerializer.Serialize(description, Json) });

    public static void Save(Stream stream, ModelDescription description, IReadOnlyDictionary<string, Tensor> weights) =>
        SafeTensors.Save(stream, weights, new Dictionary<string, string> { [MetadataKey] = JsonSerializer.Serialize(description, Json) });

    /// <exception cref="InvalidDataException">Not a safetensors file, or one without a readable FaceParse model description.</exception>
    public static (ModelDescription Description, Dictionary<string, Tensor> Weights) Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Model file {path} does not exist.", path);
        using var stream = File.OpenRead(path);
        return Load(stream, path);
    }

    public static (ModelDescription Description, Dictionary<string, Tensor> Weights) Load(Stream stream, string name = "<stream>")
    {
        SafeTensorsFile file;
        try { file = SafeTensors.Load(stream); }
        catch (InvalidDataException e) { throw new InvalidDataException($"{name}: not a FaceParse model file ({e.Message})", e); }
        if (!file.Metadata.TryGetValue(MetadataKey, out var json))
            throw new InvalidDataException($"{name}: safetensors file without a '{MetadataKey}' description; a FaceParse model file records its architecture, configuration and label set.");
        ModelDescription? description;
        try { description = JsonSerializer.Deserialize<ModelDescription>(json, Json); }
        catch (JsonException e) { throw new InvalidDataException($"{name}: unreadable model description ({e.Message}).", e); }
        if (description is null) throw new InvalidDataException($"{name}: empty model description.");
        if (description.FormatVersion != CurrentFormatVersion)
            throw new InvalidDataException($"{name}: model format version {description.FormatVersion}; this build reads version {CurrentFormatVersion}.");
        Validate(description, file.Tensors, name);
        return (description, file.Tensors);
    }

    /// <summary>What must hold before a network is built: a known label set, an input size the pipeline accepts, finite weights.</summary>
    private static void Validate(ModelDescription description, IReadOnlyDictionary<string, Tensor> weights, string name)
    {
        if (!Labels.LabelSets.TryGet(description.Labels, out _))
            throw new InvalidDataException($"{name}: unknown label set '{description.Labels}' (known: {string.Join(", ", Labels.LabelSets.All.Select(l => l.Name))}).");
        if (description.InputSize is < ModelDescription.MinInputSize or > ModelDescription.MaxInputSize)
            throw new InvalidDataException($"{name}: input size {description.InputSize} is outside [{ModelDescription.MinInputSize}, {ModelDescription.MaxInputSize}].");
        if (description.FaceTemplate is { } template && FaceTemplateProblem(template) is { } problem)
            throw new InvalidDataException($"{name}: face template: {problem}");
        if (description.FaceWarp is { } warp && !(warp >= 0 && warp <= 1))
            throw new InvalidDataException($"{name}: face warp factor {warp.ToString(System.Globalization.CultureInfo.InvariantCulture)} is outside [0, 1].");
        foreach (var (key, tensor) in weights.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            int bad = IndexOfNonFinite(tensor.Span);
            if (bad >= 0) throw new InvalidDataException($"{name}: weight '{key}' holds a non-finite value ({tensor.Span[bad]} at element {bad}).");
        }
    }

    /// <summary>Why these numbers are not a face template (10 values, x, y pairs, each a fraction of the input side in
    /// [0, 1]); null when they are one.</summary>
    public static string? FaceTemplateProblem(IReadOnlyList<double> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Count != 10) return $"10 numbers are needed (x, y for left eye, right eye, nose, mouth left, mouth right), got {points.Count}.";
        for (int i = 0; i < points.Count; i++)
            if (!(points[i] >= 0 && points[i] <= 1)) return $"value {i + 1} ({points[i].ToString(System.Globalization.CultureInfo.InvariantCulture)}) is not a fraction of the side in [0, 1].";
        return null;
    }

    private static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i])) return i;
        return -1;
    }
}
