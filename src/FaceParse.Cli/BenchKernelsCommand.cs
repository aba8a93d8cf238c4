using System.CommandLine;
using System.Text.Json;
using FaceParse.Benchmarks;
using FaceParse.Benchmarks.Kernels;
using FaceParse.Benchmarks.Onnx;
using FaceParse.Tensors.Runtime;

namespace FaceParse.Cli;

/// <summary>`faceparse bench kernels [--threads T] [--json] [--quick] [--compare-ort]`: GEMM and convolution throughput against the
/// measured FMA peak, optionally beside ONNX Runtime's Conv on the same shapes.</summary>
internal static class BenchKernelsCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print a JSON list of rows instead of a table." };
        var quick = new Option<bool>("--quick") { Description = "Small shapes and few repetitions (a smoke test, not a measurement)." };
        var compareOrt = new Option<bool>("--compare-ort")
        {
            Description = "After each convolution row, time the same Conv in ONNX Runtime (in-process, NuGet Microsoft.ML.OnnxRuntime).",
        };
        var command = new Command("kernels", "GEMM, 3×3 and depthwise convolution GFLOP/s at 1 and 2 threads (or --threads).") { json, quick, compareOrt };
        command.SetAction(result =>
        {
            int[] threads = result.GetValue(GlobalOptions.Threads) is { } t ? [t] : [1, 2];
            ExternalConv? compare = null;
            if (result.GetValue(compareOrt))
            {
                if (OrtConv.Unavailable() is { } why)
                {
                    Console.Error.WriteLine($"error: --compare-ort: {why}.");
                    return 1;
                }
                compare = new ExternalConv(OrtConv.EngineName(), OrtConv.MedianSeconds);
            }
            var rows = KernelBenchmark.Run(threads, result.GetValue(quick), compare);
            if (result.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(rows, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true }));
                return 0;
            }
            Console.WriteLine($"CPU {BenchMachine.CpuName()}; SIMD {BenchMachine.Simd}; GEMM blocking {BenchMachine.GemmBlocking}; GFLOP/s = 2·MAC of the direct definition / median time.");
            Console.WriteLine($"{"kernel",-14}{"shape",-18}{"threads",8}{"GFLOP/s",10}{"of peak",9}{"real",9}  engine");
            foreach (var r in rows)
                Console.WriteLine($"{r.Kernel,-14}{r.Shape,-18}{r.Threads,8}{r.Gflops,10:F1}{r.FractionOfPeak,9:P1}{r.RealGflops,9:F1}  {r.Engine ?? "faceparse"}");
            return 0;
        });
        return command;
    }
}
