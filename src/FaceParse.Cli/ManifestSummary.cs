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

    /// <summary>Reads every shard file once, streaming: memory grows with the number of distinct inputs (a few small entries
    /// each), not with the number of records, so a million-photo batch with several records per photo summarises in
    /// hundreds of megabytes at most.</summary>
    public static ManifestSummary Of(string root)
    {
        var shardFiles = new SortedSet<string>(StringComparer.Ordinal);
        var starts = new List<ManifestRecord>();
        var ends = new List<ManifestRecord>();
        var final = new Dictionary<string, Outcome>(StringComparer.Ordinal);   // latest ok/failed per input
        var latest = new Dictionary<string, string>(StringComparer.Ordinal);   // time of the latest non-skip record per input...
        var interruptedAt = new Dictionary<string, string>(StringComparer.Ordinal); // ...and of its latest "started" record
        var claimed = new HashSet<string>(StringComparer.Ordinal);
        var seenOk = new HashSet<(long, long)>();
        var twice = new SortedSet<string>(StringComparer.Ordinal);
        int processed = 0, skips = 0;
        double msSum = 0;
        DateTime? first = null, last = null;
        foreach (var (file, r) in Manifest.ReadAll(root))
        {
            shardFiles.Add(file);
            if (r.Time is { } t && DateTime.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var time))
                (first, last) = (first is null || time < first ? time : first, last is null || time > last ? time : last);
            if (r.Event == "start") starts.Add(r);
            else if (r.Event == "end") ends.Add(r);
            if (!r.IsFile) continue;
            string path = r.Path!, when = r.Time ?? "";
            claimed.Add(path);
            if (r.Status == "skipped") { skips++; continue; }
            if (!latest.TryGetValue(path, out var seen) || string.CompareOrdinal(when, seen) >= 0)
            {
                latest[path] = when;
                if (r.Status == "started") interruptedAt[path] = when;
                else interruptedAt.Remove(path);
            }
            if (r.Status is "ok" or "failed" && (!final.TryGetValue(path, out var o) || string.CompareOrdinal(when, o.Time) >= 0))
                final[path] = new Outcome(r.Status, when, r.Status == "failed" ? r.ErrorKind ?? "?" : null, r.Status == "failed" ? r.Error ?? path : null);
            if (r.Status == "ok")
            {
                processed++;
                msSum += r.Ms ?? 0;
                if (!seenOk.Add(KeyOf(r))) twice.Add(path); // same input bytes, model and settings processed again
            }
        }
        starts.Sort((a, b) => string.CompareOrdinal(a.Time, b.Time));
        string? listName = starts.LastOrDefault()?.List;
        var listed = listName is not null && File.Exists(Path.Combine(Manifest.Folder(root), listName)) ? Manifest.LoadList(root, listName) : [];
        var failed = final.Values.Where(r => r.Status == "failed").ToList();
        var byError = failed.GroupBy(r => r.ErrorKind!).OrderByDescending(g => g.Count()).Select(g => (g.Key, g.Count(), g.First().Error!)).ToList();
        var shards = starts.GroupBy(r => r.Shards).OrderBy(g => g.Key).Select(g => (g.Key,
            (IReadOnlyList<int>)[.. g.Select(r => r.Shard).Distinct().Order()],
            (IReadOnlyList<int>)[.. g.Select(r => r.Shard).Distinct().Where(k => Finished(starts, ends, g.Key, k)).Order()])).ToList();
        double wall = first is { } a && last is { } b ? (b - a).TotalSeconds : 0;
        return new ManifestSummary
        {
            Root = Path.GetFullPath(root),
            ShardFiles = [.. shardFiles],
            ListName = listName,
            Listed = listed.Count,
            Ok = final.Values.Count(r => r.Status == "ok"),
            Failed = failed.Count,
            Processed = processed,
            Skips = skips,
            Unclaimed = [.. listed.Where(p => !claimed.Contains(p))],
            ProcessedTwice = [.. twice],
            Interrupted = [.. interruptedAt.Keys.Order(StringComparer.Ordinal)],
            FailuresByError = byError,
            Shards = shards,
            WallSeconds = wall,
            ImagesPerSecond = wall > 0 ? processed / wall : 0,
            MeanMs = processed > 0 ? msSum / processed : 0,
        };
    }

    private sealed record Outcome(string Status, string Time, string? ErrorKind, string? Error);

    // 128 bits of SHA-256 over what makes two ok records the same work: path, model, settings, input size, mtime and hash
    private static (long, long) KeyOf(ManifestRecord r)
    {
        string key = string.Join('\0', r.Path, r.ModelSha256, r.Settings, r.Size?.ToString(CultureInfo.InvariantCulture), r.MTime, r.Sha256);
        Span<byte> hash = stackalloc byte[32];
        System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key), hash);
        return (BitConverter.ToInt64(hash), BitConverter.ToInt64(hash[8..]));
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
