using FaceParse.Nn;

namespace FaceParse.Export.Onnx;

/// <summary>Fixed sizes of an exported graph: input side(s) and output side(s) (the batch stays symbolic, "N").</summary>
public sealed record OnnxExportSize(int Height, int Width, int OutHeight, int OutWidth)
{
    /// <summary>Largest side an export accepts (beyond it the graph's constants grow past what is sensible).</summary>
    public const int MaxSide = 8192;

    public void Validate()
    {
        foreach (var (name, value) in new[] { ("input height", Height), ("input width", Width), ("output height", OutHeight), ("output width", OutWidth) })
            if (value is < 1 or > MaxSide) throw new OnnxExportException($"ONNX export: {name} {value} is outside 1–{MaxSide}.");
    }
}

/// <summary>What an architecture's exporter hands back: the logits value and architecture-specific metadata (e.g. the
/// input normalisation the graph applies).</summary>
public sealed record OnnxNetwork(string Logits, IReadOnlyDictionary<string, string> Metadata);

/// <summary>Writes one architecture's network into an <see cref="OnnxGraph"/>. One implementation per architecture, living in
/// that architecture's folder; the export pipeline (<see cref="OnnxExport"/>) knows none of them by name.</summary>
public interface IOnnxArchitectureExporter
{
    /// <summary>Adds the nodes computing logits [N, K, OutHeight, OutWidth] from <paramref name="image"/> [N, 3, Height, Width]
    /// (RGB in [0, 1]). Throws <see cref="OnnxExportException"/> for anything it cannot express.</summary>
    OnnxNetwork Build(OnnxGraph graph, Module module, string image, OnnxExportSize size);
}
