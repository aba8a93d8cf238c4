using System.Diagnostics;
using System.Text.Json;
using FaceParse.Imaging;
using FaceParse.Tests.Inference;

namespace FaceParse.Cli.Tests;

/// <summary>The array-task contract of issue 15 with real processes: four workers, each started with its own
/// JOB_COMPLETION_INDEX, over 200 generated photos; one is SIGKILLed midway and restarted. Every input is processed exactly
/// once across shards (the manifests prove it), the outputs are complete at their relative paths, and a wrong shard count
/// shows up in `manifest summarize` as unclaimed inputs.</summary>
[Collection("cli")]
public sealed class ShardedBatchTests(ITestOutputHelper output) : IDisposable
{
    private const int Shards = 4;
    private static readonly TimeSpan ProcessLimit = TimeSpan.FromSeconds(120);
    private readonly string _dir = Directory.CreateTempSubdirectory("faceparse-shard-").FullName;
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, System.Text.StringBuilder> Logs = new();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // photos/<group>/p<i>.(png|jpg), plus one corrupt file; returns the list file and the relative paths
    private (string List, List<string> Paths) MakeInputs(int count)
    {
        string root = Path.Combine(_dir, "photos");
        var paths = new List<string>();
        for (int i = 0; i < count; i++)
        {
            string rel = $"g{i % 5}/p{i:D3}.{(i % 3 == 0 ? "jpg" : "png")}";
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(root, rel))!);
            ImageCodec.Save(Path.Combine(root, rel), TinyModels.Photo(24 + i % 9, 20 + i % 7, seed: i));
            paths.Add(rel);
        }
        File.WriteAllBytes(Path.Combine(root, "g0", "corrupt.jpg"), [0xFF, 0xD8, 0xFF, 0xE0, 0, 9, 1, 2]);
        paths.Add("g0/corrupt.jpg");
        string list = Path.Combine(_dir, $"list-{count}.txt");
        File.WriteAllLines(list, ["# photos to parse", .. paths]);
        return (list, paths);
    }

    private string[] Args(string list, string outDir, string model) =>
        ["segment", "--inputs", list, "--root", Path.Combine(_dir, "photos"), "-o", outDir, "--model", model, "--shards", $"{Shards}", "--threads", "1"];

    [Fact(Timeout = 300_000)]
    public async Task FourWorkersOneKilledOneStoppedAndRestartedProcessEveryInputExactlyOnce()
    {
        var clock = Stopwatch.StartNew();
        string model = TinyModels.Save(_dir);
        var (list, paths) = MakeInputs(200);
        string outDir = Path.Combine(_dir, "out");
        int owner = Sharding.ShardOf("g0/corrupt.jpg", Shards);
        const int victim = 2;
        string victimManifest = Path.Combine(outDir, "_manifest", $"shard-{victim}-of-{Shards}.jsonl");
        int ownedByVictim = paths.Count(p => Sharding.ShardOf(p, Shards) == victim);

        const int termed = 3; // gets SIGTERM at the same moment: finishes the photo in flight and exits 75
        string termedManifest = Path.Combine(outDir, "_manifest", $"shard-{termed}-of-{Shards}.jsonl");
        var workers = Enumerable.Range(0, Shards).Select(k => Start(Args(list, outDir, model), k)).ToList();
        int ownedByTermed = paths.Count(p => Sharding.ShardOf(p, Shards) == termed);
        // Stop both midway: each past start-up (one outcome recorded), and the victim at a quarter of its share or the
        // SIGTERM target at half of its own, whichever comes first (start-up times vary a lot on a loaded machine).
        bool Midway(int v, int t) => v >= 1 && t >= 1 && (v >= ownedByVictim / 4 || t >= ownedByTermed / 2);
        while (!workers[victim].HasExited && !workers[termed].HasExited && !Midway(DoneRecords(victimManifest), DoneRecords(termedManifest)))
            await Task.Delay(5, TestContext.Current.CancellationToken);
        if (workers[victim].HasExited || workers[termed].HasExited)
        {
            foreach (var w in workers.Where(w => !w.HasExited)) w.Kill();
            Assert.Fail($"a worker ended before it could be stopped: {string.Join(" | ", workers.Select(w => $"pid {w.Id} exited={w.HasExited}: {Logs[w.Id]}"))}");
        }
        workers[victim].Kill();
        Logs[workers[victim].Id].Clear();
        using (var term = Process.Start("kill", ["-TERM", workers[termed].Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) term.WaitForExit();
        var exits = new int[Shards];
        for (int k = 0; k < Shards; k++) exits[k] = await Finish(workers[k]);
        int okBeforeKill = DoneRecords(victimManifest); // read once the process is gone: a kill is not instantaneous
        Assert.Equal(137, exits[victim]);
        Assert.Equal(75, exits[termed]);
        int okBeforeTerm = DoneRecords(termedManifest);
        Assert.Contains("\"event\":\"end\"", File.ReadAllText(termedManifest));
        foreach (int k in new[] { victim, termed }) exits[k] = await Finish(Start(Args(list, outDir, model), k));
        for (int k = 0; k < Shards; k++) Assert.Equal(k == owner ? 1 : 0, exits[k]);

        var records = ReadRecords(outDir);
        var ok = records.Where(r => r.Status == "ok").ToList();
        // exactly once: every good input has one ok record, in the file of the shard that owns it
        Assert.Equal(paths.Where(p => p != "g0/corrupt.jpg").Order(StringComparer.Ordinal), ok.Select(r => r.Path).Order(StringComparer.Ordinal));
        Assert.All(ok, r => Assert.Equal(Sharding.ShardOf(r.Path, Shards), r.Shard));
        var failed = Assert.Single(records, r => r.Status == "failed");
        Assert.Equal(("g0/corrupt.jpg", owner, "ImageFormatException"), (failed.Path, failed.Shard, failed.ErrorKind));
        // the restarts skipped what the stopped workers had recorded and did the rest
        var skipped = records.Where(r => r.Status == "skipped").ToList();
        Assert.Equal(okBeforeKill, skipped.Count(r => r.Shard == victim));
        Assert.Equal(okBeforeTerm, skipped.Count(r => r.Shard == termed));
        Assert.Equal(skipped.Count, skipped.Count(r => r.Shard is victim or termed));
        // complete outputs at their relative paths, no partial sets
        foreach (string p in paths.Where(p => p != "g0/corrupt.jpg"))
        {
            string stem = Path.Combine(outDir, Path.ChangeExtension(p, null));
            Assert.True(File.Exists(stem + ".labels.png") && File.Exists(stem + ".overlay.png"), p);
        }
        Assert.DoesNotContain(Directory.GetFiles(outDir, "*.png", SearchOption.AllDirectories), f => f.Contains("corrupt", StringComparison.Ordinal));
        // nothing half-written or left over from the killed attempt (temporary and backup files of the output sets)
        Assert.DoesNotContain(Directory.GetFiles(outDir, ".*", SearchOption.AllDirectories), f => !f.Contains("_manifest", StringComparison.Ordinal));

        var (exit, text, _) = CliHarness.Run("manifest", "summarize", outDir, "--json");
        Assert.Equal(1, exit); // one input failed
        using var summary = JsonDocument.Parse(text);
        var s = summary.RootElement;
        Assert.Equal((201, 200, 1, 0, 0), (s.GetProperty("listed").GetInt32(), s.GetProperty("ok").GetInt32(), s.GetProperty("failed").GetInt32(),
            s.GetProperty("unclaimed").GetInt32(), s.GetProperty("processed_twice").GetInt32()));
        Assert.Equal(1, s.GetProperty("failures_by_error").GetProperty("ImageFormatException").GetInt32());
        output.WriteLine($"victim killed after {okBeforeKill} of {ownedByVictim} inputs, shard {termed} stopped after {okBeforeTerm}; {s.GetProperty("images_per_s")} images/s; total {clock.Elapsed.TotalSeconds:F1} s");
    }

    [Fact(Timeout = 300_000)]
    public async Task AWrongShardCountLeavesSummarizeReportingUnclaimedInputs()
    {
        string model = TinyModels.Save(_dir);
        var (list, paths) = MakeInputs(24);
        string outDir = Path.Combine(_dir, "out-n");
        // the Job ran 3 pods, but each was told N = 4: shard 3's inputs are nobody's
        foreach (int k in new[] { 0, 1, 2 })
            Assert.InRange(await Finish(Start(Args(list, outDir, model), k)), 0, 1);
        var (exit, text, _) = CliHarness.Run("manifest", "summarize", outDir);
        Assert.Equal(1, exit);
        var missing = paths.Where(p => Sharding.ShardOf(p, Shards) == 3).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(missing);
        Assert.Contains($"unclaimed     {missing.Count}", text);
        Assert.Contains("never started 3", text);
        Assert.Equal(missing, text.Split('\n').Where(l => l.StartsWith("unclaimed: ")).Select(l => l["unclaimed: ".Length..].Trim()));
        // rerunning with the right N finishes the job without redoing anything
        foreach (int k in new[] { 0, 1, 2, 3 })
            Assert.InRange(await Finish(Start(Args(list, outDir, model), k)), 0, 1);
        (exit, text, _) = CliHarness.Run("manifest", "summarize", outDir, "--json");
        using var summary = JsonDocument.Parse(text);
        Assert.Equal(0, summary.RootElement.GetProperty("unclaimed").GetInt32());
        Assert.Equal(0, summary.RootElement.GetProperty("processed_twice").GetInt32());
    }

    [Fact]
    public void AnInputThatKilledItsWorkerTwiceIsRecordedAsFailedNotRetriedForever()
    {
        string model = TinyModels.Save(_dir);
        var (list, paths) = MakeInputs(3);
        string outDir = Path.Combine(_dir, "out-crash");
        string[] args = ["segment", "--inputs", list, "--root", Path.Combine(_dir, "photos"), "-o", outDir, "--model", model, "--shard", "0/1"];
        var (exit, _, err) = CliHarness.Run(args);
        Assert.True(exit == 1, err); // the corrupt file fails
        string manifest = Path.Combine(outDir, "_manifest", "shard-0-of-1.jsonl");
        var lines = File.ReadAllLines(manifest);
        Assert.Equal(4, lines.Count(l => l.Contains("\"status\":\"started\"", StringComparison.Ordinal))); // one per parse attempt (3 photos + the corrupt file)
        // Simulate a poison photo: p001's attempts started twice and never ended (the worker died each time).
        string okLine = lines.Single(l => l.Contains("\"path\":\"g1/p001.png\"", StringComparison.Ordinal) && l.Contains("\"status\":\"ok\"", StringComparison.Ordinal));
        string Started(int minutes) => System.Text.RegularExpressions.Regex.Replace(okLine.Replace("\"status\":\"ok\"", "\"status\":\"started\""),
            "\"time\":\"[^\"]+\"", $"\"time\":\"{DateTime.UtcNow.AddMinutes(minutes):O}\"");
        File.WriteAllLines(manifest, [.. lines.Where(l => l != okLine), Started(-2), Started(-1)]); // as if no attempt had ended
        var (_, text, _) = CliHarness.Run("manifest", "summarize", outDir, "--json");
        using (var s = JsonDocument.Parse(text)) Assert.Equal(1, s.RootElement.GetProperty("interrupted").GetInt32());

        (exit, _, err) = CliHarness.Run(args);
        Assert.Equal(1, exit);
        Assert.Contains("not tried again", err);
        var crash = ReadRecords(outDir).Last(r => r.Path == "g1/p001.png");
        Assert.Equal(("failed", "WorkerCrash"), (crash.Status, crash.ErrorKind));
        Assert.Equal(3, File.ReadAllLines(manifest).Count(l => l.Contains("\"status\":\"started\"", StringComparison.Ordinal) && !l.Contains("p001", StringComparison.Ordinal)));
        (_, text, _) = CliHarness.Run("manifest", "summarize", outDir, "--json");
        using (var s = JsonDocument.Parse(text))
        {
            Assert.Equal(0, s.RootElement.GetProperty("interrupted").GetInt32());
            Assert.Equal(1, s.RootElement.GetProperty("failures_by_error").GetProperty("WorkerCrash").GetInt32());
        }
        // --retry-failed parses it again, and it succeeds this time.
        (exit, _, err) = CliHarness.Run([.. args, "--retry-failed"]);
        Assert.True(exit == 1, err); // still the corrupt file
        Assert.Equal("ok", ReadRecords(outDir).Last(r => r.Path == "g1/p001.png").Status);
        Assert.Contains("g1/p001.png", paths);
    }

    [Fact]
    public void AnOutputStoreThatCannotBeWrittenIsATransientFailure()
    {
        string model = TinyModels.Save(_dir);
        var (list, _) = MakeInputs(3);
        var (exit, _, err) = CliHarness.Run("segment", "--inputs", list, "--root", Path.Combine(_dir, "photos"), "-o", "/proc/faceparse-no-such-store",
            "--model", model, "--shard", "0/1");
        Assert.Equal(ShardedSegment.ExitTempFail, exit);
        Assert.Contains("not writable", err);
    }

    private sealed record Rec(string Path, string Status, int Shard, string? ErrorKind);

    private static List<Rec> ReadRecords(string outDir) =>
    [
        .. Directory.GetFiles(Path.Combine(outDir, "_manifest"), "*.jsonl").SelectMany(File.ReadAllLines)
            .Select(l => JsonDocument.Parse(l).RootElement).Where(e => e.TryGetProperty("status", out _))
            .Select(e => new Rec(e.GetProperty("path").GetString()!, e.GetProperty("status").GetString()!, e.GetProperty("shard").GetInt32(),
                e.TryGetProperty("error_kind", out var k) ? k.GetString() : null)),
    ];

    private static int DoneRecords(string manifest)
    {
        if (!File.Exists(manifest)) return 0;
        using var stream = new FileStream(manifest, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n').Count(l => l.Contains("\"status\":\"ok\"", StringComparison.Ordinal) || l.Contains("\"status\":\"failed\"", StringComparison.Ordinal));
    }

    // a real CLI process with JOB_COMPLETION_INDEX=index (stdout/stderr drained so it never blocks)
    private static Process Start(string[] args, int index)
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "FaceParse.Cli.dll");
        string host = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
        var start = new ProcessStartInfo(host) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(cli);
        foreach (string a in args) start.ArgumentList.Add(a);
        start.Environment["JOB_COMPLETION_INDEX"] = index.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (string name in new[] { "SLURM_ARRAY_TASK_ID", "AWS_BATCH_JOB_ARRAY_INDEX" }) start.Environment.Remove(name);
        var process = Process.Start(start)!;
        var log = Logs[process.Id] = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (log) if (e.Data is { } d && !d.Contains("] ok ", StringComparison.Ordinal)) log.AppendLine(d); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task<int> Finish(Process process)
    {
        using var limit = new CancellationTokenSource(ProcessLimit);
        await process.WaitForExitAsync(limit.Token);
        int code = process.ExitCode;
        process.Dispose();
        return code;
    }
}
