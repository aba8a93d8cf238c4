namespace FaceParse.Cli.Tests;

/// <summary>Shard assignment (issue 15): a pure, stable function of the relative path; the environment contracts of
/// Kubernetes Indexed Jobs, Slurm arrays and AWS Batch array jobs.</summary>
public sealed class ShardingTests
{
    private static readonly string[] Fixed =
    [
        "a.jpg", "b.jpg", "photos/0001.jpg", "photos/0002.jpg", "photos/0003.png", "x/y/z/face.jpeg", "celeba/12345.jpg", "celeba/00007.jpg",
        "Ünïcode/é.png", "with space/p 1.jpg", "lapa/test/images/10001.jpg", "deep/a/b/c/d/e/f.jpg", "0.jpg", "1.jpg", "2.jpg", "3.jpg",
    ];

    // Computed by an independent Python implementation (hashlib.sha256, first 8 bytes little-endian, jump hash with Python floats).
    [Theory]
    [InlineData(4, new[] { 1, 3, 3, 2, 1, 3, 1, 2, 1, 1, 0, 2, 1, 0, 2, 2 })]
    [InlineData(7, new[] { 1, 3, 4, 5, 1, 3, 1, 2, 6, 1, 0, 2, 5, 6, 2, 2 })]
    [InlineData(1000, new[] { 365, 496, 359, 812, 664, 7, 121, 291, 321, 76, 819, 118, 953, 48, 77, 409 })]
    public void TheAssignmentOfAFixedListIsPinned(int shards, int[] expected) =>
        Assert.Equal(expected, Fixed.Select(p => Sharding.ShardOf(p, shards)));

    [Fact]
    public void TheKeyIsTheSlashSeparatedRelativePath()
    {
        Assert.Equal(0xbac3a741460d9b50UL, Sharding.Hash("a.jpg"));
        Assert.Equal(Sharding.ShardOf("photos/0001.jpg", 1000), Sharding.ShardOf("photos\\0001.jpg", 1000));
        Assert.Equal(Sharding.ShardOf("photos/0001.jpg", 1000), Sharding.ShardOf("./photos/0001.jpg", 1000));
    }

    [Fact]
    public void AddingOnePercentMorePathsMovesNoOldPathAndGrowingNMovesAboutOneOverN()
    {
        var old = Enumerable.Range(0, 10_000).Select(i => $"set{i % 13}/img_{i:D6}.jpg").ToList();
        var before = old.Select(p => Sharding.ShardOf(p, 8)).ToList();
        var grown = old.Concat(Enumerable.Range(0, 100).Select(i => $"new/img_{i:D6}.jpg")).ToList();
        var after = grown.Select(p => Sharding.ShardOf(p, 8)).ToList();
        Assert.Equal(before, after.Take(old.Count)); // ≈ 1 % allowed; a per-path hash moves none
        Assert.True(after.Skip(old.Count).Distinct().Count() >= 6, "the new paths spread over the shards");

        var counts = before.GroupBy(s => s).Select(g => g.Count()).ToList();
        Assert.Equal(8, counts.Count);
        Assert.All(counts, c => Assert.InRange(c, 1_250 * 0.9, 1_250 * 1.1));

        var nine = old.Select(p => Sharding.ShardOf(p, 9)).ToList();
        var moved = Enumerable.Range(0, old.Count).Where(i => nine[i] != before[i]).ToList();
        Assert.All(moved, i => Assert.Equal(8, nine[i])); // only to the new shard
        Assert.InRange(moved.Count / (double)old.Count, 1 / 9.0 - 0.02, 1 / 9.0 + 0.02);
    }

    [Fact]
    public void JumpHashOnlyEverMovesKeysToTheNewBucket()
    {
        var rng = new Random(7);
        for (int i = 0; i < 2_000; i++)
        {
            ulong key = (ulong)rng.NextInt64() ^ (ulong)rng.Next() << 63;
            int previous = 0;
            for (int n = 1; n <= 64; n++)
            {
                int b = Sharding.JumpHash(key, n);
                Assert.InRange(b, 0, n - 1);
                Assert.True(b == previous || b == n - 1, $"key {key:x}: {previous} -> {b} at n={n}");
                previous = b;
            }
        }
    }

    private static Func<string, string?> Env(params (string Name, string Value)[] vars) =>
        name => vars.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void EachEngineContractGivesTheShard()
    {
        Assert.Null(ShardSpec.Resolve(null, null, Env()));
        Assert.Equal((2, 5), Pair(ShardSpec.Resolve("2/5", null, Env(("JOB_COMPLETION_INDEX", "4")))));
        Assert.Equal((3, 4), Pair(ShardSpec.Resolve(null, 4, Env(("JOB_COMPLETION_INDEX", "3")))));
        Assert.Equal((0, 3), Pair(ShardSpec.Resolve(null, null, Env(("SLURM_ARRAY_TASK_ID", "1"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_COUNT", "3")))));
        Assert.Equal((5, 8), Pair(ShardSpec.Resolve(null, null, Env(("SLURM_ARRAY_TASK_ID", "5"), ("SLURM_ARRAY_TASK_COUNT", "8")))));
        Assert.Equal((9, 10), Pair(ShardSpec.Resolve(null, 10, Env(("AWS_BATCH_JOB_ARRAY_INDEX", "9"), ("AWS_BATCH_JOB_ARRAY_SIZE", "10")))));
        Assert.Equal((1, 2), Pair(ShardSpec.Resolve(null, null, Env(("AWS_BATCH_JOB_ARRAY_INDEX", "1"), ("AWS_BATCH_JOB_ARRAY_SIZE", "2")))));
    }

    [Theory]
    [InlineData("4/4", null, "", "0 <= K < N")]
    [InlineData("a/b", null, "", "not K/N")]
    [InlineData("1/3", 4, "", "disagrees with --shards 4")]
    [InlineData(null, null, "JOB_COMPLETION_INDEX=2", "pass --shards N")]
    [InlineData(null, 2, "JOB_COMPLETION_INDEX=2", "outside 0..1")]
    [InlineData(null, 4, "SLURM_ARRAY_TASK_ID=0,SLURM_ARRAY_TASK_COUNT=3", "disagrees with --shards 4")]
    [InlineData(null, null, "SLURM_ARRAY_TASK_ID=7,SLURM_ARRAY_TASK_COUNT=3", "--array=0-(N-1)")]
    [InlineData(null, null, "AWS_BATCH_JOB_ARRAY_INDEX=x,AWS_BATCH_JOB_ARRAY_SIZE=3", "not a non-negative integer")]
    [InlineData(null, 3, "", "needs a shard index")]
    public void BadShardingIsOneClearError(string? shard, int? shards, string env, string message)
    {
        var vars = env.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(v => (v.Split('=')[0], v.Split('=')[1])).ToArray();
        var e = Assert.Throws<ArgumentException>(() => ShardSpec.Resolve(shard, shards, Env(vars)));
        Assert.Contains(message, e.Message);
    }

    private static (int, int) Pair(ShardSpec? s) => (s!.Index, s.Count);
}
