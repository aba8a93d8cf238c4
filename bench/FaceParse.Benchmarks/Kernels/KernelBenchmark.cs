using System.Diagnostics;
using System.Runtime.Intrinsics;
using System.Text.Json.Serialization;
using FaceParse.Tensors;
using FaceParse.Tensors.Kernels;
using FaceParse.Tensors.Runtime;

namespace FaceParse.Benchmarks.Kernels;

/// <summary>One measured kernel: GFLOP/s counts 2·MAC of the direct definition; real GFLOP/s counts what the kernel executed
/// (tile padding included; Winograd's 16 products per 2×2 tile instead of 36; for another engine, the same as GFLOP/s). <paramref name="Engine"/>: null for our kernels, else the compared runtime (plain rows have no engine field). Every row also names the CPU, the SIMD level and the GEMM blocking it ran with.</summary>
public sealed record KernelBenchRow(string Kernel, string Shape, int Threads, double Gflops, double FractionOfPeak, double RealGflops,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Engine = null)
{
    /// <summary>The CPU model the row was measured on (<see cref="BenchMachine.CpuName"/>).</summary>
    public string Cpu { get; init; } = BenchMachine.CpuName();

    /// <summary>The SIMD level the kernels used.</summary>
    public string Simd { get; init; } = BenchMachine.Simd;

    /// <summary>The GEMM blocking in use and its source (<see cref="BenchMachine.GemmBlocking"/>).</summary>
    public string GemmBlocking { get; init; } = BenchMachine.GemmBlocking;
}

/// <summary>Another engine's convolution timed on the same machine: its name and (geometry, threads, quick) → median seconds per call.</summary>
public sealed record ExternalConv(string Name, Func<Conv2dGeometry, int, bool, double> MedianSeconds);

/// <summary>Times the hot kernels (median of repeated runs after warm-up) against an FMA peak measured in the same run.</summary>
public static class KernelBenchmark
{
    private abstract record Case(string Kernel, string Shape, double Flops, double RealFlops);
    private sealed record GemmCase(int M, int N, int K)
        : Case("gemm", $"{M}x{N}x{K}", 2.0 * M * N * K, 2.0 * RoundUp(M, 8) * RoundUp(N, 32) * K);
    private sealed record ConvCase(string Name, Conv2dGeometry G, double Real) : Case(Name, $"{G.InChannels}->{G.OutChannels}@{G.InHeight}x{G.InWidth}", 2.0 * G.Macs, Real);

    /// <summary>Measures every case at each thread count; <paramref name="quick"/> uses small shapes and few repetitions.
    /// With <paramref name="compare"/>, each convolution row is followed by that engine's row for the same geometry and threads,
    /// against an FMA peak re-measured right after it.</summary>
    public static IReadOnlyList<KernelBenchRow> Run(IReadOnlyList<int> threadCounts, bool quick, ExternalConv? compare = null)
    {
        var rows = new List<KernelBenchRow>();
        int saved = Parallelism.Threads;
        try
        {
            foreach (int threads in threadCounts)
            {
                Parallelism.Threads = threads;
                Action peak = PeakLoop(threads, quick, out double peakFlops);
                foreach (Case c in Cases(quick))
                {
                    // Kernel and FMA-peak repetitions alternate, so both see the same machine load.
                    var (seconds, peakSeconds) = MedianSeconds(KernelRun(c), peak, quick);
                    double gflops = c.Flops / seconds / 1e9;
                    rows.Add(new KernelBenchRow(c.Kernel, c.Shape, threads, gflops, gflops / (peakFlops / peakSeconds / 1e9), c.RealFlops / seconds / 1e9));
                    if (compare is not null && c is ConvCase conv)
                    {
                        double other = c.Flops / compare.MedianSeconds(conv.G, threads, quick) / 1e9;
                        double peakNow = peakFlops / MedianSeconds(peak, peak, quick).Run / 1e9;
                        rows.Add(new KernelBenchRow(c.Kernel, c.Shape, threads, other, other / peakNow, other, compare.Name));
                    }
                }
            }
        }
        finally
        {
            Parallelism.Threads = saved;
        }
        return rows;
    }

    private static IEnumerable<Case> Cases(bool quick)
    {
        int s = quick ? 4 : 1;
        yield return quick ? new GemmCase(128, 128, 128) : new GemmCase(1024, 1024, 1024);
        yield return quick ? new GemmCase(2048, 64, 64) : new GemmCase(65536, 256, 256);
        yield return Conv3x3(64 / s, 128 / s);
        yield return Conv3x3(64 / s, 64 / s);
        yield return Conv3x3(128 / s, 32 / s);
        int c = 64 / s, hw = 128 / s;
        var dw = new Conv2dGeometry(1, c, hw, hw, c, 3, 3, PadHeight: 1, PadWidth: 1, Groups: c);
        yield return new ConvCase("depthwise3x3", dw, 2.0 * c * hw * RoundUp(hw, 16) * 9);
    }

    private static ConvCase Conv3x3(int channels, int hw)
    {
        var g = new Conv2dGeometry(1, channels, hw, hw, channels, 3, 3, PadHeight: 1, PadWidth: 1);
        double real = Conv2d.WinogradMacs(g) is { } winograd ? 2.0 * winograd : 2.0 * RoundUp(channels, 8) * hw * RoundUp(hw, 32) * channels * 9;
        return new ConvCase("conv3x3", g, real);
    }

    private static Action KernelRun(Case c)
    {
        var rng = new Random(1);
        Action run;
        if (c is GemmCase gc)
        {
            float[] a = Fill(rng, (long)gc.M * gc.K), b = Fill(rng, (long)gc.K * gc.N), y = new float[(long)gc.M * gc.N];
            run = () => Gemm.Multiply(a, b, gc.M, gc.N, gc.K, false, false, false, y);
        }
        else
        {
            var g = ((ConvCase)c).G;
            float[] x = Fill(rng, g.InputSize), w = Fill(rng, g.WeightSize), bias = Fill(rng, g.OutChannels), y = new float[g.OutputSize];
            run = () => Conv2d.Forward(x, w, bias, [], g, Epilogue.Relu, y);
        }
        return run;
    }

    // Median seconds per call of run and of other, over alternating repetitions of ≥ ~20 ms (2 ms quick) after warm-up.
    private static (double Run, double Other) MedianSeconds(Action run, Action other, bool quick)
    {
        int innerRun = Calibrate(run, quick), innerOther = Calibrate(other, quick);
        var times = new double[quick ? 3 : 11];
        var otherTimes = new double[times.Length];
        for (int r = 0; r < times.Length; r++)
        {
            times[r] = Time(run, innerRun);
            otherTimes[r] = Time(other, innerOther);
        }
        Array.Sort(times);
        Array.Sort(otherTimes);
        return (times[times.Length / 2], otherTimes[times.Length / 2]);
    }

    // Warms up and returns how many calls make one repetition.
    private static int Calibrate(Action run, bool quick)
    {
        var sw = Stopwatch.StartNew();
        int warm = 0;
        while (warm < 2 || sw.Elapsed.TotalSeconds < (quick ? 0.01 : 0.2)) { run(); warm++; }
        return Math.Max(1, (int)((quick ? 0.002 : 0.02) / (sw.Elapsed.TotalSeconds / warm)));
    }

    private static double Time(Action run, int inner)
    {
        long t0 = Stopwatch.GetTimestamp();
        for (int i = 0; i < inner; i++) run();
        return Stopwatch.GetElapsedTime(t0).TotalSeconds / inner;
    }

    /// <summary>FP32 FMA peak of this machine on <paramref name="threads"/> threads (GFLOP/s): a tight loop of independent FMA chains.</summary>
    public static double MeasurePeakGflops(int threads, bool quick)
    {
        Action peak = PeakLoop(threads, quick, out double flops);
        return flops / MedianSeconds(peak, peak, quick).Run / 1e9;
    }

    // One call runs the FMA loop on each of `threads` threads at once and performs `flops` FLOPs.
    private static Action PeakLoop(int threads, bool quick, out double flops)
    {
        long iterations = quick ? 50_000 : 500_000;
        flops = threads * iterations * 12.0 * 2 * (Vector512.IsHardwareAccelerated ? 16 : 8);
        return () => Parallelism.For(threads, _ => FmaLoop(iterations));
    }

    private static float FmaLoop(long iterations) =>
        Vector512.IsHardwareAccelerated ? FmaLoop<Ops512, Vector512<float>>(iterations) : FmaLoop<Ops256, Vector256<float>>(iterations);

    // 12 independent accumulator chains cover FMA latency × throughput (4 cycles × 2 pipes) with room to spare.
    private static unsafe float FmaLoop<TOps, TVec>(long iterations) where TOps : IVecOps<TVec> where TVec : struct
    {
        TVec m = TOps.Broadcast(0.999999f), add = TOps.Broadcast(1e-7f);
        TVec a0 = m, a1 = m, a2 = m, a3 = m, a4 = m, a5 = m, a6 = m, a7 = m, a8 = m, a9 = m, a10 = m, a11 = m;
        for (long i = 0; i < iterations; i++)
        {
            a0 = TOps.Fma(a0, m, add); a1 = TOps.Fma(a1, m, add); a2 = TOps.Fma(a2, m, add); a3 = TOps.Fma(a3, m, add);
            a4 = TOps.Fma(a4, m, add); a5 = TOps.Fma(a5, m, add); a6 = TOps.Fma(a6, m, add); a7 = TOps.Fma(a7, m, add);
            a8 = TOps.Fma(a8, m, add); a9 = TOps.Fma(a9, m, add); a10 = TOps.Fma(a10, m, add); a11 = TOps.Fma(a11, m, add);
        }
        TVec sum = TOps.Add(TOps.Add(TOps.Add(a0, a1), TOps.Add(a2, a3)), TOps.Add(TOps.Add(a4, a5), TOps.Add(a6, a7)));
        sum = TOps.Add(sum, TOps.Add(TOps.Add(a8, a9), TOps.Add(a10, a11)));
        float* lanes = stackalloc float[16];
        TOps.Store(lanes, sum);
        return lanes[0];
    }

    private static float[] Fill(Random rng, long count)
    {
        var a = new float[count];
        for (long i = 0; i < count; i++) a[i] = (float)(rng.NextDouble() - 0.5);
        return a;
    }

    private static int RoundUp(int v, int unit) => (v + unit - 1) / unit * unit;
}
