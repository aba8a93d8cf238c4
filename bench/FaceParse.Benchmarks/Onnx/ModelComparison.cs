using System.Diagnostics;
using FaceParse.Export.Onnx;
using FaceParse.Inference;
using FaceParse.OnnxRuntime;
using FaceParse.Tensors;
using FaceParse.Tensors.Runtime;

namespace FaceParse.Benchmarks.Onnx;

/// <summary>One engine's figures in a side-by-side run. Times are null when the engine could not run (<paramref name="Error"/>
/// says why) or when the engines' logits disagreed (speed is then not reported at all).</summary>
/// <param name="PeakRssMb">Peak resident set (VmHWM) of the process during this engine's first inference, run alone before any
/// timing (ONNX Runtime's first, then ours); the high-water mark is reset (/proc/self/clear_refs) before each, so one engine's
/// peak does not carry into the other's. Both include the .NET runtime and both engines' loaded weights.</param>
/// <param name="RssBeforeMb">Resident set just before that pass (after a full GC): PeakRssMb − RssBeforeMb is the working memory
/// the engine's inference added (its buffers, pools or arena). Memory the GC freed but kept mapped is reused without showing
/// here, so for our engine it is a lower bound.</param>
/// <param name="LatencyVsFaceParse">This engine's median latency / FaceParse's (below 1: faster than ours).</param>
public sealed record EngineRow(string Engine, string Model, int Size, int OutSize, int Threads, string Cpu, double? MedianMs, double? MinMs,
    double? ImagesPerSecond, double? PeakRssMb, double? RssBeforeMb, double? LatencyVsFaceParse, string? Error);

/// <summary>Rows of a side-by-side run with the agreement check that gates them.</summary>
public sealed record ModelComparisonResult(IReadOnlyList<EngineRow> Rows, double? RelativeL2, double? ArgMaxAgreement, string? Refused);

/// <summary>FaceParse's managed engine and ONNX Runtime (in-process, our exported graph) on the same model, input and thread
/// count: agreement first (relative L2 of logits ≤ 1e-4, arg-max equal on ≥ 99.9 % of pixels, else no speed is reported), then
/// warm-up, then interleaved timed repetitions (ours, ORT, ours, …) so both see the same machine load. Each engine's first
/// inference, run alone, is its memory pass.</summary>
public static class ModelComparison
{
    public const double MaxRelativeL2 = 1e-4, MinArgMaxAgreement = 0.999;
    public const string OurEngine = "faceparse";

    public static ModelComparisonResult Run(SegmentationModel model, int size, int outSize, int repeats, int warmup = 2)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (repeats < 1 || warmup < 0) throw new ArgumentOutOfRangeException(nameof(repeats), "repeats must be ≥ 1 and warm-up ≥ 0.");
        int threads = Parallelism.Threads;
        string cpu = BenchMachine.CpuName();
        var input = Tensor.Uniform(new Random(1), 0f, 1f, 1, 3, size, size);
        EngineRow Row(string engine, double[]? times, (double? Peak, double? Before) memory, double? ratio, string? error) => new(engine, model.Name, size, outSize, threads, cpu,
            times is null ? null : Median(times), times?.Min(), times is null ? null : 1000.0 / Median(times), memory.Peak, memory.Before, ratio, error);

        if (OrtAvailability.Unavailable() is { } why)
        {
            var memory = PeakDuring(() => Ours(model, input, outSize));
            var alone = TimeInterleaved([() => Timed(model, input, outSize)], repeats, warmup);
            return new([Row(OurEngine, alone[0], memory, 1.0, null), Row("onnxruntime", null, default, null, why)], null, null, null);
        }
        using var session = new OrtSession(OnnxExport.ToBytes(model, OnnxExportOptions.Square(size, outSize)), threads);
        long[] outShape = [1, model.Labels.Count, outSize, outSize];
        using var ort = session.Prepare([(OnnxExport.InputName, input.ToArray(), [1, 3, size, size])], [(OnnxExport.OutputName, outShape)]);
        // Each engine's first inference, alone, is its memory pass (buffers, pools and arenas are grown there) and gives the logits
        // the agreement check compares.
        var ortMemory = PeakDuring(ort.Run);
        float[] theirs = ort.Output(0).ToArray();
        float[] ours = [];
        var oursMemory = PeakDuring(() => ours = Ours(model, input, outSize).ToArray());
        double rel = RelativeL2(theirs, ours), agree = ArgMaxAgreement(theirs, ours, model.Labels.Count, outSize * outSize);
        string ortName = OrtAvailability.EngineName;
        if (rel > MaxRelativeL2 || agree < MinArgMaxAgreement)
        {
            string refused = $"logits disagree (relative L2 {rel:E2}, arg-max agreement {agree:P3}); speed is not reported";
            return new([Row(OurEngine, null, default, null, refused), Row(ortName, null, default, null, refused)], rel, agree, refused);
        }

        var times = TimeInterleaved([() => Timed(model, input, outSize), ort.Run], repeats, warmup);
        double oursMedian = Median(times[0]);
        return new([Row(OurEngine, times[0], oursMemory, 1.0, null), Row(ortName, times[1], ortMemory, Median(times[1]) / oursMedian, null)], rel, agree, null);
    }

    // rgb[1,3,S,S] -> logits[1,K,O,O], no gradient recording, the arg-max taken as in inference
    private static Tensor Ours(SegmentationModel model, Tensor input, int outSize)
    {
        using var noGrad = GradMode.NoGrad();
        var logits = model.Forward(input, outSize, outSize);
        logits.ArgMax(1);
        return logits;
    }

    // The timed form: as ModelBenchmark times inference, buffers pooled by a TensorScope.
    private static void Timed(SegmentationModel model, Tensor input, int outSize)
    {
        using var scope = new TensorScope();
        Ours(model, input, outSize);
    }

    // Warm-up of each, then rounds in which every engine runs once in turn; milliseconds per engine.
    private static double[][] TimeInterleaved(IReadOnlyList<Action> engines, int repeats, int warmup)
    {
        for (int w = 0; w < warmup; w++)
            foreach (var run in engines) run();
        var times = engines.Select(_ => new double[repeats]).ToArray();
        for (int r = 0; r < repeats; r++)
            for (int e = 0; e < engines.Count; e++)
            {
                long start = Stopwatch.GetTimestamp();
                engines[e]();
                times[e][r] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        return times;
    }

    // Peak RSS and the RSS just before (MiB) while `run` executes once, after a full GC and a reset of the kernel's
    // high-water mark; nulls off Linux.
    private static (double? Peak, double? Before) PeakDuring(Action run)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        try { File.WriteAllText("/proc/self/clear_refs", "5"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return (null, null); }
        double? before = StatusMb("VmRSS:");
        run();
        return (StatusMb("VmHWM:"), before);
    }

    private static double? StatusMb(string key)
    {
        if (!File.Exists("/proc/self/status")) return null;
        string? line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
        return line is null ? null : long.Parse(line[key.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) / 1024.0;
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static double RelativeL2(float[] a, float[] b)
    {
        double diff = 0, norm = 0;
        for (int i = 0; i < a.Length; i++) { double d = (double)a[i] - b[i]; diff += d * d; norm += (double)b[i] * b[i]; }
        return Math.Sqrt(diff / Math.Max(norm, double.Epsilon));
    }

    // logits [1, K, plane] flat
    private static double ArgMaxAgreement(float[] a, float[] b, int k, int plane)
    {
        int same = 0;
        for (int p = 0; p < plane; p++)
        {
            int ia = 0, ib = 0;
            for (int c = 1; c < k; c++)
            {
                if (a[c * plane + p] > a[ia * plane + p]) ia = c;
                if (b[c * plane + p] > b[ib * plane + p]) ib = c;
            }
            if (ia == ib) same++;
        }
        return same / (double)plane;
    }
}
