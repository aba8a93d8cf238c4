using System.Text.Json;
using FaceParse.Benchmarks.Onnx;
using FaceParse.Inference;

namespace FaceParse.Cli;

/// <summary>`bench model --compare onnxruntime`: prints the side-by-side rows of <see cref="ModelComparison"/> (measuring lives there).</summary>
internal static class BenchModelCompare
{
    public static int Print(SegmentationModel model, int size, int outSize, int repeats, bool json)
    {
        var result = ModelComparison.Run(model, size, outSize, repeats);
        var rows = result.Rows.Select(r => new Dictionary<string, object?>
        {
            ["engine"] = r.Engine,
            ["model"] = r.Model,
            ["size"] = r.Size,
            ["out_size"] = r.OutSize,
            ["threads"] = r.Threads,
            ["cpu"] = r.Cpu,
            ["median_ms"] = Round(r.MedianMs, 3),
            ["min_ms"] = Round(r.MinMs, 3),
            ["images_per_s"] = Round(r.ImagesPerSecond, 2),
            ["peak_rss_mb"] = Round(r.PeakRssMb, 1),
            ["rss_before_mb"] = Round(r.RssBeforeMb, 1),
            ["peak_extra_mb"] = Round(r.PeakRssMb - r.RssBeforeMb, 1),
            ["latency_vs_faceparse"] = Round(r.LatencyVsFaceParse, 3),
            ["rel_l2"] = result.RelativeL2,
            ["argmax_agreement"] = Round(result.ArgMaxAgreement, 6),
            ["error"] = r.Error,
        }).ToList();
        if (json) Console.WriteLine(JsonSerializer.Serialize(rows));
        else
        {
            Console.WriteLine($"{model.Name} {size}->{outSize}, {rows[0]["threads"]} thread(s), {rows[0]["cpu"]}; {repeats} interleaved runs after warm-up.");
            if (result.RelativeL2 is { } rel) Console.WriteLine($"agreement: relative L2 {rel:E2}, arg-max {result.ArgMaxAgreement:P3}");
            Console.WriteLine($"{"engine",-26}{"median ms",11}{"min ms",10}{"images/s",10}{"peak RSS MB",13}{"(added)",10}{"vs ours",9}");
            foreach (var r in result.Rows)
                Console.WriteLine(r.Error is { } error ? $"{r.Engine,-26}{error}"
                    : $"{r.Engine,-26}{r.MedianMs,11:F1}{r.MinMs,10:F1}{r.ImagesPerSecond,10:F2}{r.PeakRssMb,13:F0}{r.PeakRssMb - r.RssBeforeMb,10:F0}{r.LatencyVsFaceParse,9:F2}");
            Console.WriteLine("peak RSS: the process's high-water mark during each engine's first inference, alone (reset in between; both include the runtime");
            Console.WriteLine("and both models); added: that peak minus the resident set just before, the engine's working memory.");
        }
        return result.Refused is null ? 0 : 1;
    }

    private static double? Round(double? value, int digits) => value is { } v ? Math.Round(v, digits) : null;
}
