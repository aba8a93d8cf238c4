using System.Diagnostics;
using FaceParse.Inference;
using Spectre.Console;

namespace FaceParse.Cli;

internal sealed partial class ShardedSegment
{
    /// <summary>Runs this shard. <paramref name="segmentOne"/>(input file, output folder, stem) parses one photo, writes its
    /// outputs all or nothing and returns the number of faces parsed.</summary>
    public int Run(string modelReference, string modelName, SegmentEmit kinds, Func<string, string, string, int> segmentOne)
    {
        using var stop = _stop ?? new StopSignal(m => Console.Error.WriteLine($"faceparse: shard {_shard}: {m}"));
        if (Refused is { } refused) return refused;
        if (stop.Requested) return ExitTempFail;
        string modelSha = Sha256Of(ModelRegistry.ResolvePath(modelReference));
        var (previous, unfinished) = Previous(modelSha);
        var mine = _all.Where(i => Sharding.ShardOf(i.Relative, _shard.Count) == _shard.Index).ToList();
        var stems = BatchInputs.Stems(_all);
        string host = Environment.MachineName;
        ManifestRecord Base() => new() { Shard = _shard.Index, Shards = _shard.Count, Pid = Environment.ProcessId, Host = host, Time = Manifest.Now() };
        ManifestWriter writer;
        string list;
        try
        {
            list = Manifest.SaveList(_root, _all);
            writer = new ManifestWriter(Manifest.ShardFile(_root, _shard));
            writer.Append(Base() with { Event = "start", List = list, Inputs = _all.Count, Assigned = mine.Count, Model = modelName, ModelSha256 = modelSha, Settings = _settings });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"faceparse: error: {_root}: cannot write the manifest ({e.Message}); exit {ExitTempFail} (transient, retry)");
            return ExitTempFail;
        }
        using var _ = writer;
        Console.Error.WriteLine($"faceparse: shard {_shard} ({_shard.Source}): {mine.Count} of {_all.Count} input(s), model {modelName}, outputs under {_root}");
        int ok = 0, skipped = 0, failed = 0, exit = 0;
        var clock = Stopwatch.StartNew();
        if (_shard.Index == 0)
            foreach (string problem in _problems)
            {
                Console.Error.WriteLine($"faceparse: error: {problem}");
                writer.Append(Base() with { Status = "failed", Path = problem, Error = problem, ErrorKind = "input-list" });
                failed++;
            }

        // one input: returns a status line for the log, or null on a transient fault (the batch stops)
        string? Step(BatchInput input)
        {
            var info = new FileInfo(input.FullPath);
            var record = Base() with { Path = input.Relative, Model = modelName, ModelSha256 = modelSha, Settings = _settings };
            var watch = Stopwatch.StartNew();
            try
            {
                if (!info.Exists) throw new FileNotFoundException($"{input.FullPath}: no such file");
                record = record with { Size = info.Length, MTime = info.LastWriteTimeUtc.ToString("O"), Sha256 = _hashInputs ? Sha256Of(input.FullPath) : null };
                if (previous.TryGetValue(input.Relative, out var done) && SameInput(done, record))
                {
                    bool complete = done.Status == "ok" && done.Outputs is { } outs && outs.All(o => File.Exists(Path.Combine(_root, o)));
                    if (complete || done.Status == "failed" && !_retryFailed)
                    {
                        writer.Append(record with { Status = "skipped", Error = done.Error, ErrorKind = done.ErrorKind, Faces = done.Faces, Outputs = done.Outputs });
                        if (done.Status == "failed") failed++;
                        else skipped++;
                        return $"skipped ({done.Status}) {input.Relative}";
                    }
                }
                int starts = unfinished.GetValueOrDefault(input.Relative);
                if (starts >= MaxUnfinishedStarts && !_retryFailed)
                {
                    string why = $"{input.FullPath}: the worker stopped without an outcome on the {starts} earlier attempt(s) to parse this input " +
                        "(killed, out of memory or crashed); not tried again (--retry-failed tries it)";
                    writer.Append(record with { Status = "failed", Error = why, ErrorKind = "WorkerCrash" });
                    failed++;
                    Console.Error.WriteLine($"faceparse: error: {why}");
                    return $"failed {input.Relative} (worker crash)";
                }
                writer.Append(record with { Status = "started" }); // unanswered by ok/failed, it marks the input that was in flight
                string folder = Directory.CreateDirectory(Path.Combine(_root, input.RelativeFolder)).FullName;
                RemoveLeftovers(folder, stems[input.Relative]);
                int faces = segmentOne(input.FullPath, folder, stems[input.Relative]);
                writer.Append(record with { Status = "ok", Faces = faces, Outputs = [.. OutputsOf(_root, folder, stems[input.Relative], kinds)], Ms = Math.Round(watch.Elapsed.TotalMilliseconds, 1) });
                ok++;
                return $"ok {input.Relative} ({watch.Elapsed.TotalMilliseconds:F0} ms)";
            }
            catch (Exception e) when (IsPerFileError(e))
            {
                if (IsTransient(e))
                {
                    Console.Error.WriteLine($"faceparse: error: {input.Relative}: {e.Message}; the output store is not writable (full or read-only): stopping, exit {ExitTempFail} (transient, retry)");
                    return null;
                }
                string message = e.Message.Contains(input.FullPath, StringComparison.Ordinal) ? e.Message : $"{input.FullPath}: {e.Message}";
                writer.Append(record with { Status = "failed", Error = message, ErrorKind = e.GetType().Name, Ms = Math.Round(watch.Elapsed.TotalMilliseconds, 1) });
                failed++;
                Console.Error.WriteLine($"faceparse: error: {message} (skipped)");
                return $"failed {input.Relative}";
            }
        }

        try
        {
            exit = Loop(mine, Step, stop);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) // the manifest itself could not be appended
        {
            Console.Error.WriteLine($"faceparse: error: {_root}: cannot append to the manifest ({e.Message}); exit {ExitTempFail} (transient, retry)");
            return ExitTempFail;
        }
        if (exit == 0 && failed > 0) exit = 1;
        try { writer.Append(Base() with { Event = "end", Ok = ok, Skipped = skipped, Failed = failed, Exit = exit }); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { exit = ExitTempFail; }
        double seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"shard {_shard}: {ok} segmented, {skipped} already done, {failed} failed of {mine.Count} in {seconds:F2} s" +
            $"{(ok > 0 ? $" ({ok / seconds:F2} images/s)" : "")} with {modelName} -> {_root}; exit {exit}");
        return exit;
    }

    // Runs every input (progress bar on a terminal, one log line per input otherwise); 0, or 75 when stopped by a
    // transient fault or a stop request (SIGTERM, Ctrl+C) before the end.
    private int Loop(List<BatchInput> mine, Func<BatchInput, string?> step, StopSignal stop)
    {
        int exit = 0;
        if (mine.Count > 1 && !Console.IsErrorRedirected)
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
            console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(context =>
                {
                    var task = context.AddTask($"shard {_shard}", maxValue: mine.Count);
                    foreach (var input in mine)
                    {
                        if (stop.Requested) { exit = ExitTempFail; break; }
                        task.Description = Markup.Escape(input.Relative);
                        if (step(input) is null) { exit = ExitTempFail; break; }
                        task.Increment(1);
                    }
                });
            return exit;
        }
        for (int i = 0; i < mine.Count; i++)
        {
            if (stop.Requested) return ExitTempFail;
            if (step(mine[i]) is not { } line) return ExitTempFail;
            Console.Error.WriteLine($"{Manifest.Now()} shard {_shard} [{i + 1}/{mine.Count}] {line}");
        }
        return exit;
    }

    // The latest decisive record (ok or failed) per input of this shard, from every shard file (any N), for this model and
    // these settings, and per input the number of "started" records after its latest decisive one (attempts that never
    // ended). Only this shard's inputs are kept, so memory grows with the shard, not with the whole batch.
    private (Dictionary<string, ManifestRecord> Latest, Dictionary<string, int> Unfinished) Previous(string modelSha)
    {
        var latest = new Dictionary<string, ManifestRecord>(StringComparer.Ordinal);
        var started = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (_, r) in Manifest.ReadAll(_root))
        {
            if (!r.IsFile || r.ModelSha256 != modelSha || r.Settings != _settings || Sharding.ShardOf(r.Path!, _shard.Count) != _shard.Index) continue;
            if (r.Status == "started")
                (started.TryGetValue(r.Path!, out var times) ? times : started[r.Path!] = []).Add(r.Time ?? "");
            else if (r.Status is "ok" or "failed" && (!latest.TryGetValue(r.Path!, out var seen) || string.CompareOrdinal(r.Time, seen.Time) >= 0))
                latest[r.Path!] = r;
        }
        var unfinished = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (path, times) in started)
        {
            string after = latest.TryGetValue(path, out var last) ? last.Time ?? "" : "";
            int count = times.Count(t => string.CompareOrdinal(t, after) > 0);
            if (count > 0) unfinished[path] = count;
        }
        return (latest, unfinished);
    }

    private static bool SameInput(ManifestRecord done, ManifestRecord now) =>
        done.Size == now.Size && (now.Sha256 is not null ? done.Sha256 == now.Sha256 : done.MTime == now.MTime);
}
