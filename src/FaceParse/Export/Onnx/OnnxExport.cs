using System.Text.Json;
using System.Globalization;
using FaceParse.Architectures;
using FaceParse.Inference;
using FaceParse.Training;

namespace FaceParse.Export.Onnx;

/// <summary>Options of <see cref="OnnxExport"/>: fixed input and output sizes and the opset.</summary>
public sealed record OnnxExportOptions(int Height, int Width, int OutHeight, int OutWidth, int Opset = OnnxOps.DefaultOpset)
{
    /// <summary>Square input <paramref name="size"/> and output <paramref name="outSize"/>.</summary>
    public static OnnxExportOptions Square(int size, int outSize, int opset = OnnxOps.DefaultOpset) => new(size, size, outSize, outSize, opset);
}

/// <summary>Exports a <see cref="SegmentationModel"/> as a standard ONNX model: input <c>image</c> [N, 3, H, W] float32 RGB in
/// [0, 1], output <c>logits</c> [N, K, H_out, W_out], weights as initializers, label names, palette, normalisation and
/// model name in metadata_props. The network itself is written by the architecture's <see cref="IOnnxArchitectureExporter"/>.</summary>
public static class OnnxExport
{
    public const string InputName = "image", OutputName = "logits";

    /// <summary>The ONNX ModelProto bytes of <paramref name="model"/>.</summary>
    /// <exception cref="OnnxExportException">The architecture, an operator, the opset or a size cannot be exported.</exception>
    public static byte[] ToBytes(SegmentationModel model, OnnxExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        var exporter = model.Architecture.OnnxExporter ?? throw new OnnxExportException(
            $"ONNX export: architecture '{model.Architecture.Name}' has no ONNX exporter (exportable: {string.Join(", ", ArchitectureRegistry.All.Where(a => a.OnnxExporter is not null).Select(a => a.Name))}).");
        var size = new OnnxExportSize(options.Height, options.Width, options.OutHeight, options.OutWidth);
        size.Validate();
        var graph = new OnnxGraph(options.Opset);
        string image = graph.Input(InputName, "N", 3, size.Height, size.Width);
        var network = exporter.Build(graph, model.Module, image, size);
        graph.Output(network.Logits, OutputName, "N", model.Labels.Count, size.OutHeight, size.OutWidth);
        return OnnxModelWriter.ToBytes(graph, Metadata(model, size, network), model.Name,
            $"FaceParse {model.Description.Architecture} '{model.Name}': image [N,3,{size.Height},{size.Width}] RGB in [0,1] -> logits [N,{model.Labels.Count},{size.OutHeight},{size.OutWidth}].");
    }

    /// <summary>Writes the export to <paramref name="path"/> atomically: on any failure no file (and no partial file) is left.</summary>
    public static void Save(SegmentationModel model, string path, OnnxExportOptions options)
    {
        byte[] bytes = ToBytes(model, options); // every export error is raised before the file is touched
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    private static IEnumerable<KeyValuePair<string, string>> Metadata(SegmentationModel model, OnnxExportSize size, OnnxNetwork network)
    {
        var labels = model.Labels;
        yield return new("faceparse.model", model.Name);
        yield return new("faceparse.architecture", model.Description.Architecture);
        yield return new("faceparse.labels", $"{labels.Name} v{labels.Version}");
        yield return new("faceparse.label_names", JsonSerializer.Serialize(labels.Classes.Select(c => c.Name)));
        yield return new("faceparse.palette", JsonSerializer.Serialize(labels.Classes.Select(c => new[] { (int)c.R, c.G, c.B })));
        yield return new("faceparse.input", $"{InputName}: float32 [N,3,{size.Height},{size.Width}], RGB in [0,1]; the graph normalises it");
        yield return new("faceparse.output", $"{OutputName}: float32 [N,{labels.Count},{size.OutHeight},{size.OutWidth}], arg-max over axis 1 is the label");
        var norm = model.Network.InputNormalization;
        yield return new("faceparse.normalisation", $"x' = (x - mean) / std inside the graph; mean = [{Join(norm.Mean)}], std = [{Join(norm.Std)}]");
        foreach (var pair in network.Metadata) yield return pair;
    }

    private static string Join(IEnumerable<float> values) => string.Join(", ", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
}
