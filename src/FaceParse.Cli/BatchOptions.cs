using System.CommandLine;

namespace FaceParse.Cli;

/// <summary>The options of `faceparse segment` that make it a well-behaved array task (see <see cref="ShardedSegment"/>).</summary>
internal sealed class BatchOptions
{
    public readonly Option<string?> Inputs = new("--inputs") { Description = "File listing the inputs, one path per line, relative to --root (batch mode)." };
    public readonly Option<string?> Root = new("--root") { Description = "Folder the input paths are relative to; outputs keep that relative path under -o (default: the current folder)." };
    public readonly Option<string?> Shard = new("--shard") { Description = "K/N: process only shard K (0-based) of N. Default: from JOB_COMPLETION_INDEX (+ --shards), SLURM_ARRAY_TASK_ID/COUNT or AWS_BATCH_JOB_ARRAY_INDEX/SIZE." };
    public readonly Option<int?> Shards = new("--shards") { Description = "N, the number of shards (needed with JOB_COMPLETION_INDEX; checked against the engine's count otherwise)." };
    public readonly Option<string> Verify = new("--verify") { Description = "How a done input is recognised on resume: stat (size + mtime) or hash (SHA-256 of the input).", DefaultValueFactory = _ => "stat" };
    public readonly Option<bool> RetryFailed = new("--retry-failed") { Description = "On resume, run inputs again whose earlier attempt failed (default: keep the failure)." };

    public BatchOptions() => Verify.AcceptOnlyFromAmong("stat", "hash");

    public void AddTo(Command command)
    {
        foreach (Option option in All) command.Options.Add(option);
    }

    /// <summary>Options that steer the batch but not what an input's outputs look like (left out of the settings fingerprint).</summary>
    public IEnumerable<Option> All => [Inputs, Root, Shard, Shards, Verify, RetryFailed];
}
