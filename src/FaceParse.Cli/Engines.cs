using FaceParse.OnnxRuntime;
using FaceParse.Tensors.Runtime;

namespace FaceParse.Cli;

/// <summary>The optional engines the CLI can run a network on (besides the managed one).</summary>
internal static class Engines
{
    /// <summary>ONNX Runtime on the CPU with the --threads setting; an <see cref="ArgumentException"/> (printed as one line)
    /// says why when its native library cannot load.</summary>
    public static OnnxRuntimeEngine OnnxRuntime()
    {
        if (OrtAvailability.Unavailable() is { } why) throw new ArgumentException($"--engine onnxruntime: {why}");
        return new OnnxRuntimeEngine(Parallelism.Threads);
    }
}
