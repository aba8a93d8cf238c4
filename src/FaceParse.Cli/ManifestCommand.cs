using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace FaceParse.Cli;

/// <summary>`faceparse manifest summarize OUT [--json] [--list N]`: merges the shard files of <c>OUT/_manifest</c> — counts,
/// failures by error, throughput, inputs of the latest run's list that no shard has claimed (a wrong N shows up here), inputs
/// processed more than once (same input bytes, model and settings: an exactly-once violation), shards that started but did not finish, inputs whose parse started without an outcome. Exit 0 when every listed input is done and none failed,
/// 1 otherwise.</summary>
internal static class ManifestCommand
{
    public static Command Create()
    {
        var output = new Argument<string>("output") { Description = "The output root given to segment -o." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var show = new Option<int>("--list") { Description = "How many unclaimed inputs and failures to name.", DefaultValueFactory = _ => 20 };
        var summarize = new Command("summarize", "Merge the shard manifests of a batch: counts, failures, throughput, unclaimed inputs.") { output, json, show };
        summarize.SetAction(result =>
        {
            string root = result.GetValue(output)!;
            if (!Directory.Exists(Manifest.Folder(root))) throw new ArgumentException($"{root}: no {Manifest.FolderName} folder (not a segment batch output)");
            var s = ManifestSummary.Of(root);
            if (result.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(s.ToJson(result.GetValue(show))));
            else Print(s, result.GetValue(show));
            return s.Complete ? 0 : 1;
        });
        return new Command("manifest", "Read the manifests that `segment --inputs/--shard` writes under OUT/_manifest.") { summarize };
    }

    private static void Print(ManifestSummary s, int show)
    {
        Console.WriteLine($"manifest      {s.Root}");
        Console.WriteLine($"shard files   {string.Join(", ", s.ShardFiles)}");
        Console.WriteLine($"input list    {s.ListName ?? "-"} ({s.Listed} input(s))");
        Console.WriteLine($"ok            {s.Ok}");
        Console.WriteLine($"failed        {s.Failed}");
        Console.WriteLine($"unclaimed     {s.Unclaimed.Count}");
        Console.WriteLine($"processed     {s.Processed} time(s) ({s.Skips} skip record(s) from resumed runs)");
        Console.WriteLine($"twice         {s.ProcessedTwice.Count}");
        Console.WriteLine($"interrupted   {s.Interrupted.Count} (in flight, or in flight when their worker died)");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"throughput    {s.ImagesPerSecond:F2} images/s over {s.WallSeconds:F1} s wall; {s.MeanMs:F0} ms per image per worker"));
        foreach (var (n, started, finished) in s.Shards)
            Console.WriteLine($"shards N={n,-5} started {Ranges(started)}; finished {Ranges(finished)}{(started.Count < n ? $"; never started {Ranges([.. Enumerable.Range(0, n).Except(started)])}" : "")}");
        if (s.Shards.Select(x => x.N).Distinct().Count() > 1) Console.WriteLine("warning       runs used different shard counts N; inputs move between shards when N changes");
        foreach (var (kind, count, example) in s.FailuresByError) Console.WriteLine($"failed: {count} x {kind}, e.g. {example}");
        foreach (string path in s.Unclaimed.Take(show)) Console.WriteLine($"unclaimed: {path}");
        foreach (string path in s.ProcessedTwice.Take(show)) Console.WriteLine($"twice: {path}");
        foreach (string path in s.Interrupted.Take(show)) Console.WriteLine($"interrupted: {path}");
    }

    private static string Ranges(IReadOnlyList<int> values) => values.Count == 0 ? "none" : string.Join(',', values.Order());
}
