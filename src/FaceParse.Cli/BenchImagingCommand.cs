using System.CommandLine;
using System.Text.Json;
using FaceParse.Benchmarks;
using FaceParse.Benchmarks.Imaging;

namespace FaceParse.Cli;

/// <summary>`faceparse bench imaging [--json] [--quick]`: codec speed vs djpeg. Measuring lives in
/// <see cref="ImagingBenchmark"/>; this command only parses options and prints.</summary>
internal static class BenchImagingCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print the rows as a JSON array (notes go to stderr)." };
        var quick = new Option<bool>("--quick") { Description = "Small images and few repeats (a smoke test, not figures to quote)." };
        var command = new Command("imaging", "Decode/encode megapixels per second of the JPEG and PNG codecs, with djpeg as reference.") { json, quick };
        command.SetAction(result =>
        {
            var outcome = ImagingBenchmark.Run(result.GetValue(quick) ? ImagingBenchmarkOptions.Quick : ImagingBenchmarkOptions.Full);
            if (result.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(outcome.Rows.Select(ToJson)));
            else PrintTable(outcome.Rows);
            foreach (string note in outcome.Notes) Console.Error.WriteLine($"note: {note}");
            return 0;
        });
        return command;
    }

    private static Dictionary<string, object?> ToJson(ImagingBenchmarkRow row) => new()
    {
        ["task"] = row.Task,
        ["file"] = row.File,
        ["megapixels"] = Math.Round(row.Megapixels, 4),
        ["mp_per_s"] = Math.Round(row.MpPerSecond, 2),
        ["reference"] = row.Reference,
        ["reference_mp_per_s"] = row.ReferenceMpPerSecond is { } r ? Math.Round(r, 2) : null,
        ["ratio"] = row.Ratio is { } q ? Math.Round(q, 3) : null,
        ["cpu"] = BenchMachine.CpuName(),
    };

    private static void PrintTable(IReadOnlyList<ImagingBenchmarkRow> rows)
    {
        Console.WriteLine($"CPU {BenchMachine.CpuName()}");
        Console.WriteLine($"{"task",-7} {"file",-28} {"MP",7} {"MP/s",9} {"reference",-9} {"ref MP/s",9} {"ratio",6}");
        foreach (var r in rows)
            Console.WriteLine($"{r.Task,-7} {r.File,-28} {r.Megapixels,7:F3} {r.MpPerSecond,9:F1} {r.Reference ?? "-",-9} " +
                $"{(r.ReferenceMpPerSecond is { } m ? m.ToString("F1") : "-"),9} {(r.Ratio is { } q ? q.ToString("F2") : "-"),6}");
    }
}
