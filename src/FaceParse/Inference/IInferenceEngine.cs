using FaceParse.Tensors;

namespace FaceParse.Inference;

/// <summary>Something other than the managed engine that runs a model's network, e.g. ONNX Runtime through the optional
/// FaceParse.OnnxRuntime package. <see cref="FaceParser"/> uses it when <see cref="FaceParserOptions.Engine"/> is set; the
/// preprocessing and the logits → labels path stay FaceParse's own.</summary>
public interface IInferenceEngine
{
    /// <summary>Name for reports, e.g. "onnxruntime 1.32.0 (cpu)".</summary>
    string Name { get; }

    /// <summary>The logits of <paramref name="model"/> for <paramref name="rgb"/>; same contract as <see cref="SegmentationModel.Forward"/>.
    /// The result must not alias buffers the engine reuses.</summary>
    // rgb[N,3,H,W] in [0,1] -> logits[N,K,outH,outW]
    Tensor Forward(SegmentationModel model, Tensor rgb, int outH, int outW);
}
