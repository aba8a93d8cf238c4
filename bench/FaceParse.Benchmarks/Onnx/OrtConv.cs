using System.Diagnostics;
using FaceParse.Export.Onnx;
using FaceParse.OnnxRuntime;
using FaceParse.Tensors.Kernels;

namespace FaceParse.Benchmarks.Onnx;

/// <summary>ONNX Runtime's Conv timed in-process (NuGet Microsoft.ML.OnnxRuntime) for <c>bench kernels --compare-ort</c>.</summary>
public static class OrtConv
{
    /// <summary>Why ONNX Runtime cannot run here, or null.</summary>
    public static string? Unavailable() => OrtAvailability.Unavailable();

    /// <summary>"onnxruntime 1.32.0".</summary>
    public static string EngineName() => OrtAvailability.EngineName;

    /// <summary>Times conv(g) in ONNX Runtime on <paramref name="threads"/> intra-op threads: median seconds per Conv. A shape-keeping
    /// conv runs as a chain of 8 in one graph, so ORT's layout reorders and the per-run cost are spread as in a network (this
    /// favours ORT over our single-call timing, which includes padding the input). Inputs and output are bound once.</summary>
    public static double MedianSeconds(Conv2dGeometry g, int threads, bool quick)
    {
        if (g.KernelHeight != g.KernelWidth || g.StrideHeight != g.StrideWidth || g.PadHeight != g.PadWidth || g.DilationHeight != g.DilationWidth)
            throw new ArgumentException($"The ONNX Runtime comparison takes square kernels, strides, pads and dilations; got {g}.");
        bool keepsShape = g.InChannels == g.OutChannels && g.OutHeight == g.InHeight && g.OutWidth == g.InWidth;
        int chain = keepsShape ? 8 : 1;
        var rng = new Random(1);
        var graph = new OnnxGraph();
        string x = graph.Input("x", g.Batch, g.InChannels, g.InHeight, g.InWidth);
        string w = graph.Constant("w", Random(rng, g.WeightSize), g.OutChannels, g.InChannelsPerGroup, g.KernelHeight, g.KernelWidth);
        string b = graph.Constant("b", Random(rng, g.OutChannels), g.OutChannels);
        string y = x;
        for (int i = 0; i < chain; i++) y = graph.Conv(y, w, b, g.KernelHeight, g.StrideHeight, g.PadHeight, g.DilationHeight, g.Groups);
        long[] outShape = [g.Batch, g.OutChannels, g.OutHeight, g.OutWidth];
        graph.Output(y, "y", [.. outShape.Cast<object>()]);

        using var session = new OrtSession(OnnxModelWriter.ToBytes(graph, [], "conv", ""), threads);
        using var run = session.Prepare([("x", Random(rng, g.InputSize), [g.Batch, g.InChannels, g.InHeight, g.InWidth])], [("y", outShape)]);
        // Warm-up of ≥ 0.2 s (quick: 0.02 s), then repetitions of ≥ seconds/reps each; the median of their per-Conv times.
        double warm = quick ? 0.02 : 0.2, seconds = quick ? 0.01 : 0.25;
        int reps = quick ? 3 : 11, inner = 0;
        var clock = Stopwatch.StartNew();
        while (inner < 2 || clock.Elapsed.TotalSeconds < warm) { run.Run(); inner++; }
        double perCall = clock.Elapsed.TotalSeconds / inner;
        int calls = Math.Max(1, (int)Math.Round(seconds / reps / perCall));
        var times = new double[reps];
        for (int r = 0; r < reps; r++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < calls; i++) run.Run();
            times[r] = Stopwatch.GetElapsedTime(start).TotalSeconds / calls / chain;
        }
        Array.Sort(times);
        return times[reps / 2];
    }

    private static float[] Random(Random rng, long count)
    {
        var a = new float[count];
        for (long i = 0; i < count; i++) a[i] = (float)(rng.NextDouble() - 0.5);
        return a;
    }
}
