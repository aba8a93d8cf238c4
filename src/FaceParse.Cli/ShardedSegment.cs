using System.CommandLine;
using System.Diagnostics;
using System.Security.Cryptography;
using FaceParse.Imaging;

namespace FaceParse.Cli;

/// <summary>`faceparse segment` as one task of an array job (Kubernetes Indexed Job, Slurm array, AWS Batch array): takes
/// the whole input list, keeps the inputs whose <see cref="Sharding.ShardOf"/> is this shard, writes each input's outputs
/// under <c>-o</c> at its relative path, skips inputs whose manifest record (any shard file, any N) says they are done with
/// the same input size + mtime (or SHA-256), model and settings and whose recorded outputs all exist, and appends one
/// record per input to <c>OUT/_manifest/shard-K-of-N.jsonl</c>. Exit 0 all ok, 1 some inputs failed (permanent),
/// 75 (EX_TEMPFAIL) a transient fault: the output store not writable, out of disk, SIGTERM.</summary>
internal sealed partial class ShardedSegment
{
    public const int ExitTempFail = 75;

    /// <summary>An input whose parse was started this many times without an outcome (the worker was killed, ran out of
    /// memory or crashed each time) is recorded as failed (<c>WorkerCrash</c>) instead of being tried again, so one poison
    /// photo cannot crash-loop a pod or array task; <c>--retry-failed</c> tries it anyway.</summary>
    public const int MaxUnfinishedStarts = 2;

    private readonly ShardSpec _shard;
    private readonly string _root;
    private readonly IReadOnlyList<BatchInput> _all;
    private readonly IReadOnlyList<string> _problems;
    private readonly bool _hashInputs;
    private readonly bool _retryFailed;
    private readonly string _settings;

    private ShardedSegment(ShardSpec shard, string root, IReadOnlyList<BatchInput> all, IReadOnlyList<string> problems, bool hash, bool retry, string settings)
    {
        (_shard, _root, _all, _problems, _hashInputs, _retryFailed, _settings) = (shard, root, all, problems, hash, retry, settings);
    }

    // SIGTERM/Ctrl+C from Prepare on (before the model loads), so a stop during start-up is also a clean exit 75
    private StopSignal? _stop;

    /// <summary>Exit code when the batch could not start (the output store is not writable), else null.</summary>
    public int? Refused { get; private set; }

    /// <summary>null when the command line asks for no batch (no --inputs, --root, --shard, --shards and no engine index in
    /// the environment): segment then works as it always did.</summary>
    public static ShardedSegment? Prepare(ParseResult result, BatchOptions options, IReadOnlyList<string> arguments, string output,
        Func<string, string?>? environment = null)
    {
        var shard = ShardSpec.Resolve(result.GetValue(options.Shard), result.GetValue(options.Shards), environment ?? Environment.GetEnvironmentVariable);
        string? inputsFile = result.GetValue(options.Inputs), root = result.GetValue(options.Root);
        if (shard is null && inputsFile is null && root is null) return null;
        if (inputsFile is null && arguments.Count == 0) throw new ArgumentException("name the inputs: --inputs FILE, or photos, folders or globs");
        var (all, problems) = BatchInputs.Build(inputsFile, root, arguments);
        string settings = Settings(result, options);
        var batch = new ShardedSegment(shard ?? ShardSpec.Whole, Path.GetFullPath(output), all, problems,
            result.GetValue(options.Verify) == "hash", result.GetValue(options.RetryFailed), settings);
        batch._stop = new StopSignal(m => Console.Error.WriteLine($"faceparse: shard {batch._shard}: {m}"));
        try
        {
            Directory.CreateDirectory(Manifest.Folder(batch._root));
            if (!StoreWritable(batch._root, out string why)) throw new IOException(why);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"faceparse: error: {output}: the output store is not writable ({e.Message}); exit {ExitTempFail} (transient, retry)");
            batch.Refused = ExitTempFail;
        }
        return batch;
    }

    // The option values that shape the outputs (explicit tokens of every segment option except -o and the batch options).
    private static string Settings(ParseResult result, BatchOptions options)
    {
        var skip = new HashSet<Option>(options.All);
        var parts = new List<string>();
        foreach (var option in result.CommandResult.Command.Options.OrderBy(o => o.Name, StringComparer.Ordinal))
        {
            if (skip.Contains(option) || option.Name is "--output" or "--model" || result.GetResult(option) is not { Implicit: false } r) continue;
            parts.Add($"{option.Name}={string.Join(',', r.Tokens.Select(t => t.Value))}");
        }
        return string.Join(' ', parts);
    }

    /// <summary>Creates and removes a small probe file in the output root; false (with the reason) when that fails.</summary>
    private static bool StoreWritable(string root, out string why)
    {
        string probe = Path.Combine(Manifest.Folder(root), $".write-check.{Environment.ProcessId}.tmp");
        try
        {
            File.WriteAllBytes(probe, new byte[4096]);
            File.Delete(probe);
            why = "";
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            why = e.Message.Replace(probe, root);
            return false;
        }
    }

    /// <summary>A fault that retrying later may cure: disk full, quota, read-only store (errno in the exception chain), or
    /// any write fault after which the output store no longer takes a probe file.</summary>
    private bool IsTransient(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
            if (x is IOException && (x.HResult & 0xFFFF) is 28 or 122 or 30) return true; // ENOSPC, EDQUOT, EROFS
        return e is IOException or UnauthorizedAccessException && !StoreWritable(_root, out _);
    }

    internal static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    // The files an input's outputs consist of, relative to the output root ('/'-separated).
    private static List<string> OutputsOf(string root, string folder, string stem, SegmentEmit kinds)
    {
        var files = new List<string>();
        if (kinds.HasFlag(SegmentEmit.Labels)) files.Add(Path.Combine(folder, stem + ".labels.png"));
        if (kinds.HasFlag(SegmentEmit.Overlay)) files.Add(Path.Combine(folder, stem + ".overlay.png"));
        if (kinds.HasFlag(SegmentEmit.Logits)) files.Add(Path.Combine(folder, stem + ".logits.npy"));
        string masks = Path.Combine(folder, stem + ".masks");
        if (kinds.HasFlag(SegmentEmit.Masks) && Directory.Exists(masks))
            files.AddRange(Directory.GetFiles(masks, "*.png").Where(f => !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal));
        return [.. files.Select(f => Sharding.Key(Path.GetRelativePath(root, f)))];
    }

    /// <summary>Removes what a killed earlier attempt at this input may have left: the hidden temporary and backup files of
    /// <see cref="OutputSet"/> beside each of its outputs (exact names, so another input's files are never touched).</summary>
    private static void RemoveLeftovers(string folder, string stem)
    {
        foreach (string name in new[] { ".labels.png", ".overlay.png", ".logits.npy" })
            foreach (string suffix in new[] { "*.tmp", "*.bak" })
                foreach (string file in Directory.EnumerateFiles(folder, $".{stem}{name}.{suffix}")) File.Delete(file);
        string masks = Path.Combine(folder, stem + ".masks");
        if (Directory.Exists(masks))
            foreach (string file in Directory.EnumerateFiles(masks, ".*").Where(f => f.EndsWith(".tmp", StringComparison.Ordinal) || f.EndsWith(".bak", StringComparison.Ordinal)))
                File.Delete(file);
    }

    private static bool IsPerFileError(Exception e) =>
        e is ImageFormatException or IOException or UnauthorizedAccessException or InvalidDataException or ArgumentException or NotSupportedException
            or FaceParse.Inference.MemoryBudgetException;
}
