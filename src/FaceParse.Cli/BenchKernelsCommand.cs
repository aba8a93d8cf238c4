using System.CommandLine;
using System.Text.Json;
using FaceParse.Tensors.Kernels;
using FaceParse.Tensors.Runtime;

namespace FaceParse.Cli;

/// <summary>`faceparse bench kernels [--threads T] [--json] [--quick]`: GEMM and convolution throughput against the measured FMA peak.</summary>
internal static class BenchKernelsCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print a JSON list of rows instead of a table." };
        var quick = new Option<bool>("--quick") { Description = "Small shapes and few repetitions (a smoke test, not a measurement)." };
        var command = new Command("kernels", "GEMM, 3×3 and depthwise convolution GFLOP/s at 1 and 2 threads (or --threads).") { json, quick };
        command.SetAction(result =>
        {
            int[] threads = result.GetValue(GlobalOptions.Threads) is { } t ? [t] : [1, 2];
            var rows = KernelBenchmark.Run(threads, result.GetValue(quick));
            if (result.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(rows, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true }));
                return 0;
            }
            Console.WriteLine($"SIMD {CpuFeatures.Describe(CpuFeatures.Active)}; GFLOP/s = 2·MAC of the direct definition / median time.");
            Console.WriteLine($"{"kernel",-14}{"shape",-18}{"threads",8}{"GFLOP/s",10}{"of peak",9}{"real",9}");
            foreach (var r in rows)
                Console.WriteLine($"{r.Kernel,-14}{r.Shape,-18}{r.Threads,8}{r.Gflops,10:F1}{r.FractionOfPeak,9:P1}{r.RealGflops,9:F1}");
            return 0;
        });
        return command;
    }
}
