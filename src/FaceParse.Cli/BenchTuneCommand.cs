using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FaceParse.Benchmarks;
using FaceParse.Benchmarks.Kernels;
using FaceParse.Tensors.Kernels;

namespace FaceParse.Cli;

/// <summary><c>faceparse bench tune</c>: the GEMM blocking tuning pass (<see cref="GemmTuner"/>); its choice is stored where
/// the kernels look at start-up (<see cref="GemmBlocking"/>), so it applies from the next run of any FaceParse program.</summary>
internal static class BenchTuneCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var quick = new Option<bool>("--quick") { Description = "Small shapes and four candidates (a smoke test, not a tuning)." };
        var output = new Option<string?>("--out") { Description = "Where to store the choice (default: the file the kernels read, see GemmBlocking; FACEPARSE_GEMM_BLOCKING overrides it)." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Measure and report, store nothing." };
        var command = new Command("tune", "Time the GEMM under a grid of cache blockings on this CPU and store the fastest for later runs.") { json, quick, output, dryRun };
        command.SetAction(result =>
        {
            string? path = result.GetValue(dryRun) ? null : result.GetValue(output) ?? GemmBlocking.TuningFilePath();
            if (path is null && !result.GetValue(dryRun))
            {
                Console.Error.WriteLine("error: no local application data folder to store the choice in; pass --out FILE (and set FACEPARSE_GEMM_BLOCKING=FILE to use it).");
                return 2;
            }
            bool asJson = result.GetValue(json);
            var r = GemmTuner.Run(result.GetValue(quick), path, asJson ? null : Console.WriteLine);
            static string Name(GemmBlocking b) => $"{b.KBlock}x{b.MBlockTiles}x{b.NBlock}";
            if (asJson)
            {
                Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object?>
                {
                    ["cpu"] = BenchMachine.CpuName(),
                    ["simd"] = BenchMachine.Simd,
                    ["threads"] = r.Threads,
                    ["chosen"] = Name(r.Chosen),
                    ["chosen_gflops"] = Math.Round(r.ChosenGflops, 2),
                    ["default"] = Name(GemmBlocking.Default),
                    ["default_gflops"] = Math.Round(r.DefaultGflops, 2),
                    ["final"] = r.Final.Select(f => new Dictionary<string, object> { ["blocking"] = Name(f.Blocking), ["gflops"] = Math.Round(f.Gflops, 2) }).ToList(),
                    ["written_to"] = r.WrittenTo,
                }));
                return 0;
            }
            Console.WriteLine($"CPU {BenchMachine.CpuName()}; SIMD {BenchMachine.Simd}; {r.Threads} thread(s); blocking = K block x M block (micro-tiles) x N block");
            foreach (var f in r.Final) Console.WriteLine($"  {Name(f.Blocking),-16} {f.Gflops.ToString("F1", CultureInfo.InvariantCulture),8} GFLOP/s (median){(f.Blocking == GemmBlocking.Default ? "  default" : "")}");
            Console.WriteLine(r.Chosen == GemmBlocking.Default
                ? "chosen: the default (no candidate was 3 % faster)"
                : $"chosen: {Name(r.Chosen)}, {r.ChosenGflops / r.DefaultGflops:F2}x the default");
            Console.WriteLine(r.WrittenTo is null ? "stored nowhere (--dry-run)" : $"stored in {r.WrittenTo}; used from the next start");
            return 0;
        });
        return command;
    }
}
