using System.Globalization;

namespace FaceParse.Cli;

/// <summary>What the shard files of one output root say, merged (see <see cref="ManifestCommand"/>).</summary>
internal sealed class ManifestSummary
{
    public required string Root { get; init; }
    public required IReadOnlyList<string> ShardFiles { get; init; }
    public string? ListName { get; init; }
    public int Listed { get; init; }
    public int Ok { get; init; }
    public int Failed { get; init; }
    public int Processed { get; init; }
    public int Skips { get; init; }
    public required IReadOnlyList<string> Unclaimed { get; init; }
    public required IReadOnlyList<string> ProcessedTwice { get; init; }
    /// <summary>Inputs whose latest record is "started": in flight now, or in flight when their worker died.</summary>
    public required IReadOnlyList<string> Interrupted { get; init; }
    public required IReadOnlyList<(string Kind, int Count, string Example)> FailuresByError { get; init; }
    public required IReadOnlyList<(int N, IReadOnlyList<int> Started, IReadOnlyList<int> Finished)> Shards { get; init; }
    public double WallSeconds { get; init; }
    public double ImagesPerSecond { get; init; }
    public double MeanMs { get; init; }

    public bool Complete => Unclaimed.Count == 0 && Failed == 0 && Interrupted.Count == 0 && ListName is not null;

    public static ManifestSummary Of(string root)
    {
        var all = Manifest.ReadAll(root).ToList();
        var files = all.Where(x => x.Record.IsFile).Select(x => x.Record).ToList();
        var starts = all.Where(x => x.Record.Event == "start").Select(x => x.Record).OrderBy(r => r.Time, StringComparer.Ordinal).ToList();
        var ends = all.Where(x => x.Record.Event == "end").Select(x => x.Record).ToList();
        string? listName = starts.LastOrDefault()?.List;
        var listed = listName is not null && File.Exists(Path.Combine(Manifest.Folder(root), listName)) ? Manifest.LoadList(root, listName) : [];
        // the final word on each input: its latest ok/failed record
        var final = new Dictionary<string, ManifestRecord>(StringComparer.Ordinal);
        foreach (var r in files.Where(r => r.Status is "ok" or "failed").OrderBy(r => r.Time, StringComparer.Ordinal)) final[r.Path!] = r;
        var latestRecord = new Dictionary<string, ManifestRecord>(StringComparer.Ordinal);
        foreach (var r in files.Where(r => r.Status != "skipped").OrderBy(r => r.Time, StringComparer.Ordinal)) latestRecord[r.Path!] = r;
        var interrupted = latestRecord.Values.Where(r => r.Status == "started").Select(r => r.Path!).Order(StringComparer.Ordinal).ToList();
        var claimed = new HashSet<string>(files.Select(r => r.Path!), StringComparer.Ordinal);
        var processed = files.Where(r => r.Status == "ok").ToList();
        var twice = processed.GroupBy(r => (r.Path, r.ModelSha256, r.Settings, r.Size, r.MTime, r.Sha256)).Where(g => g.Count() > 1).Select(g => g.Key.Path!).Distinct().Order(StringComparer.Ordinal).ToList();
        var failed = final.Values.Where(r => r.Status == "failed").ToList();
        var byError = failed.GroupBy(r => r.ErrorKind ?? "?").OrderByDescending(g => g.Count())
            .Select(g => (g.Key, g.Count(), g.First().Error ?? g.First().Path!)).ToList();
        var shards = starts.GroupBy(r => r.Shards).OrderBy(g => g.Key).Select(g => (g.Key,
            (IReadOnlyList<int>)[.. g.Select(r => r.Shard).Distinct().Order()],
            (IReadOnlyList<int>)[.. g.Select(r => r.Shard).Distinct().Where(k => Finished(starts, ends, g.Key, k)).Order()])).ToList();
        double wall = 0;
        var times = all.Select(x => x.Record.Time).Where(t => t is not null).Select(t => DateTime.Parse(t!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind)).ToList();
        if (times.Count > 1) wall = (times.Max() - times.Min()).TotalSeconds;
        return new ManifestSummary
        {
            Root = Path.GetFullPath(root),
            ShardFiles = [.. all.Select(x => x.File).Distinct().Order(StringComparer.Ordinal)],
            ListName = listName,
            Listed = listed.Count,
            Ok = final.Values.Count(r => r.Status == "ok"),
            Failed = failed.Count,
            Processed = processed.Count,
            Skips = files.Count(r => r.Status == "skipped"),
            Unclaimed = [.. listed.Where(p => !claimed.Contains(p))],
            ProcessedTwice = twice,
            Interrupted = interrupted,
            FailuresByError = byError,
            Shards = shards,
            WallSeconds = wall,
            ImagesPerSecond = wall > 0 ? processed.Count / wall : 0,
            MeanMs = processed.Count > 0 ? processed.Average(r => r.Ms ?? 0) : 0,
        };
    }

    // a shard's latest start has an end record after it
    private static bool Finished(List<ManifestRecord> starts, List<ManifestRecord> ends, int n, int k)
    {
        string last = starts.Where(r => r.Shards == n && r.Shard == k).Max(r => r.Time)!;
        return ends.Any(r => r.Shards == n && r.Shard == k && string.CompareOrdinal(r.Time, last) >= 0);
    }

    public Dictionary<string, object?> ToJson(int show) => new()
    {
        ["root"] = Root,
        ["list"] = ListName,
        ["listed"] = Listed,
        ["ok"] = Ok,
        ["failed"] = Failed,
        ["unclaimed"] = Unclaimed.Count,
        ["processed"] = Processed,
        ["skip_records"] = Skips,
        ["processed_twice"] = ProcessedTwice.Count,
        ["interrupted"] = Interrupted.Count,
        ["images_per_s"] = Math.Round(ImagesPerSecond, 3),
        ["wall_s"] = Math.Round(WallSeconds, 3),
        ["mean_ms"] = Math.Round(MeanMs, 1),
        ["failures_by_error"] = FailuresByError.ToDictionary(f => f.Kind, f => f.Count),
        ["shards"] = Shards.Select(s => new Dictionary<string, object> { ["n"] = s.N, ["started"] = s.Started, ["finished"] = s.Finished }).ToList(),
        ["unclaimed_inputs"] = Unclaimed.Take(show).ToList(),
        ["twice_inputs"] = ProcessedTwice.Take(show).ToList(),
        ["interrupted_inputs"] = Interrupted.Take(show).ToList(),
        ["complete"] = Complete,
    };
}
