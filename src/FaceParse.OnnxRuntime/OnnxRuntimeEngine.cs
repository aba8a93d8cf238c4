using System.Collections.Concurrent;
using FaceParse.Export.Onnx;
using FaceParse.Inference;
using FaceParse.Tensors;

namespace FaceParse.OnnxRuntime;

/// <summary>Runs a <see cref="SegmentationModel"/> in ONNX Runtime (CPU execution provider): the model is exported with
/// <see cref="OnnxExport"/> for each input/output size it is asked for (sessions are cached per size) and executed there.
/// Plug it into <see cref="FaceParser"/> through <see cref="FaceParserOptions.Engine"/>. Thread-safe (ORT sessions run
/// concurrently).</summary>
/// <remarks>Each new (input, output) size costs one export and one session creation, and its session stays cached until
/// <see cref="Dispose"/>; <see cref="FaceParser.ParseFaces"/> decodes every face at its crop's own size, so many differently
/// sized faces mean many sessions.</remarks>
public sealed class OnnxRuntimeEngine(int? threads = null) : IInferenceEngine, IDisposable
{
    private readonly ConcurrentDictionary<(SegmentationModel, int, int, int, int), OrtSession> _sessions = new();

    public string Name => $"{OrtAvailability.EngineName} (cpu)";

    // rgb[N,3,H,W] in [0,1] -> logits[N,K,outH,outW]
    public Tensor Forward(SegmentationModel model, Tensor rgb, int outH, int outW)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(rgb);
        if (rgb.Rank != 4 || rgb.Dim(1) != 3) throw new ArgumentException($"ONNX Runtime engine: input {Shapes.Format(rgb.Shape)} must be [N, 3, H, W].");
        var session = Session(model, rgb.Dim(2), rgb.Dim(3), outH, outW);
        var (values, shape) = session.Run(OnnxExport.InputName, rgb.Contiguous().ToArray(), [.. rgb.Shape.Select(d => (long)d)]);
        return Tensor.FromArray(values, [.. shape.Select(d => checked((int)d))]);
    }

    /// <summary>The session for one size, exported and created on first use.</summary>
    public OrtSession Session(SegmentationModel model, int height, int width, int outH, int outW) =>
        _sessions.GetOrAdd((model, height, width, outH, outW), key =>
            new OrtSession(OnnxExport.ToBytes(model, new OnnxExportOptions(height, width, outH, outW)), threads));

    public void Dispose()
    {
        foreach (var s in _sessions.Values) s.Dispose();
        _sessions.Clear();
    }
}
