using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace FaceParse.Cli;

/// <summary>Which slice of a batch this process owns: shard <see cref="Index"/> of <see cref="Count"/> (0-based), and where
/// that came from (<c>--shard</c>, or the environment of the engine that launched the process).</summary>
internal sealed record ShardSpec(int Index, int Count, string Source)
{
    public static readonly ShardSpec Whole = new(0, 1, "no sharding");

    public override string ToString() => $"{Index}/{Count}";

    /// <summary>"K/N" with 0 ≤ K &lt; N.</summary>
    public static ShardSpec Parse(string text, string source = "--shard")
    {
        var parts = text.Split('/');
        if (parts.Length == 2 && TryInt(parts[0], out int k) && TryInt(parts[1], out int n) && n >= 1 && k < n) return new(k, n, source);
        throw new ArgumentException($"{source}: '{text}' is not K/N with 0 <= K < N (shards are numbered from 0)");
    }

    /// <summary>The shard from, in order: <c>--shard K/N</c>; <c>JOB_COMPLETION_INDEX</c> (Kubernetes Indexed Job) with
    /// <c>--shards N</c>; <c>SLURM_ARRAY_TASK_ID</c>/<c>SLURM_ARRAY_TASK_COUNT</c> (minus <c>SLURM_ARRAY_TASK_MIN</c>);
    /// <c>AWS_BATCH_JOB_ARRAY_INDEX</c>/<c>AWS_BATCH_JOB_ARRAY_SIZE</c>. <c>--shards N</c> alone means shard 0 of N only
    /// with an index from the environment; an engine count that disagrees with <c>--shards</c> is an error.
    /// null when nothing asks for sharding.</summary>
    public static ShardSpec? Resolve(string? shard, int? shards, Func<string, string?> env)
    {
        if (shard is not null)
        {
            var spec = Parse(shard);
            if (shards is { } n && n != spec.Count) throw new ArgumentException($"--shard {shard} disagrees with --shards {n}");
            return spec;
        }
        if (shards is < 1) throw new ArgumentException($"--shards: {shards} is not a positive count");
        if (env("JOB_COMPLETION_INDEX") is { } job)
        {
            if (shards is not { } n) throw new ArgumentException("JOB_COMPLETION_INDEX is set (Kubernetes Indexed Job): pass --shards N, N = the Job's completions");
            return Checked(EnvInt("JOB_COMPLETION_INDEX", job), n, "JOB_COMPLETION_INDEX");
        }
        if (env("SLURM_ARRAY_TASK_ID") is { } task)
        {
            int id = EnvInt("SLURM_ARRAY_TASK_ID", task);
            int min = env("SLURM_ARRAY_TASK_MIN") is { } m ? EnvInt("SLURM_ARRAY_TASK_MIN", m) : 0;
            int? count = env("SLURM_ARRAY_TASK_COUNT") is { } c ? EnvInt("SLURM_ARRAY_TASK_COUNT", c) : null;
            return Checked(id - min, Agree(count, shards, "SLURM_ARRAY_TASK_COUNT"), "SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN",
                " (submit a contiguous array such as --array=0-(N-1))");
        }
        if (env("AWS_BATCH_JOB_ARRAY_INDEX") is { } aws)
        {
            int? size = env("AWS_BATCH_JOB_ARRAY_SIZE") is { } s ? EnvInt("AWS_BATCH_JOB_ARRAY_SIZE", s) : null;
            return Checked(EnvInt("AWS_BATCH_JOB_ARRAY_INDEX", aws), Agree(size, shards, "AWS_BATCH_JOB_ARRAY_SIZE"), "AWS_BATCH_JOB_ARRAY_INDEX");
        }
        if (shards is not null) throw new ArgumentException("--shards N needs a shard index: --shard K/N, or JOB_COMPLETION_INDEX / SLURM_ARRAY_TASK_ID / AWS_BATCH_JOB_ARRAY_INDEX");
        return null;
    }

    private static int Agree(int? engine, int? option, string name) => (engine, option) switch
    {
        ({ } e, { } o) when e != o => throw new ArgumentException($"{name}={e} disagrees with --shards {o}"),
        ({ } e, _) => e,
        (null, { } o) => o,
        _ => throw new ArgumentException($"{name} is not set: pass --shards N"),
    };

    private static ShardSpec Checked(int index, int count, string source, string hint = "")
    {
        if (count < 1 || index < 0 || index >= count)
            throw new ArgumentException($"{source}: index {index} is outside 0..{count - 1} of {count} shard(s){hint}");
        return new(index, count, source);
    }

    private static int EnvInt(string name, string value) =>
        TryInt(value.Trim(), out int v) ? v : throw new ArgumentException($"{name}='{value}' is not a non-negative integer");

    private static bool TryInt(string text, out int value) => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
}

/// <summary>Assignment of inputs to shards: a pure function of the input's relative path and the shard count, so every
/// worker agrees without talking. The key is the path with '/' separators, hashed with SHA-256 (first 8 bytes,
/// little-endian); the shard is Lamping &amp; Veach's jump consistent hash of that key (arXiv:1406.2294). Adding inputs
/// moves no existing input; going from N to N+1 shards moves ≈ 1/(N+1) of them (only to the new shard).</summary>
internal static class Sharding
{
    /// <summary>The canonical form of a relative path: '/' separators, no leading "./".</summary>
    public static string Key(string relativePath)
    {
        string key = relativePath.Replace('\\', '/');
        while (key.StartsWith("./", StringComparison.Ordinal)) key = key[2..];
        return key;
    }

    public static ulong Hash(string relativePath) =>
        BinaryPrimitives.ReadUInt64LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(Key(relativePath))));

    public static int ShardOf(string relativePath, int shards) => JumpHash(Hash(relativePath), shards);

    /// <summary>Jump consistent hash: bucket in [0, buckets) of a 64-bit key (the published algorithm, its constants).</summary>
    public static int JumpHash(ulong key, int buckets)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(buckets, 1);
        long b = -1, j = 0;
        while (j < buckets)
        {
            b = j;
            key = unchecked(key * 2862933555777941757UL + 1);
            j = (long)((b + 1) * ((double)(1L << 31) / ((key >> 33) + 1)));
        }
        return (int)b;
    }
}
