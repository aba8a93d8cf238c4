using System.Diagnostics;

namespace FaceParse.Testing.Fuzz;

/// <summary>A decoder under fuzzing: the call, the one exception type it documents for bad input, and the allocation it
/// may make for a given input (computed before the call, e.g. from the size a header claims).</summary>
public sealed class FuzzTarget
{
    public required string Name { get; init; }
    public required Action<byte[]> Run { get; init; }
    public required Type DocumentedError { get; init; }
    /// <summary>A second documented type, where the reader has two (e.g. InvalidDataException and UnsafeCheckpointException).</summary>
    public Type? AlsoDocumented { get; init; }
    public required Func<byte[], long> AllocationBound { get; init; }
    public TimeSpan TimeBound { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>What a fuzz run saw.</summary>
public sealed record FuzzReport(string Target, int Cases, int Succeeded, int Rejected, double SlowestMs, long MostAllocated, double Seconds)
{
    public override string ToString() =>
        $"{Target}: {Cases} cases in {Seconds:F1} s: {Succeeded} decoded, {Rejected} rejected with the documented error; " +
        $"slowest {SlowestMs:F1} ms, most allocated {MostAllocated / 1048576.0:F1} MiB";
}

/// <summary>Runs the cases of a target on the calling thread: each must end in success or the documented error, within
/// the time bound and within the allocation bound (GC.GetAllocatedBytesForCurrentThread around the call).</summary>
public static class FuzzRunner
{
    /// <summary>FACEPARSE_FUZZ=long (set by tests/fuzz.sh --long) multiplies the case counts to at least 20,000 per target.</summary>
    public static bool Long => Environment.GetEnvironmentVariable("FACEPARSE_FUZZ") == "long";

    public static int Cases(int ci) => Long ? Math.Max(20_000, ci * 10) : ci;

    /// <summary>FACEPARSE_FUZZ_SEED overrides the fixed seed (CI always uses the fixed one).</summary>
    public static int Seed(int fixedSeed) =>
        int.TryParse(Environment.GetEnvironmentVariable("FACEPARSE_FUZZ_SEED"), out int s) ? s : fixedSeed;

    public static FuzzReport Run(FuzzTarget target, Mutator mutator, int cases, int seed, CancellationToken cancel = default)
    {
        var failures = new List<string>();
        int succeeded = 0, rejected = 0;
        double slowest = 0;
        long most = 0;
        var clock = Stopwatch.StartNew();
        // Seed files first: they must pass too (the bound functions are checked on real inputs).
        for (int i = -mutator.Corpus.Count; i < cases && failures.Count < 5; i++)
        {
            cancel.ThrowIfCancellationRequested();
            var (bytes, what) = i < 0 ? (mutator.Corpus[i + mutator.Corpus.Count], "unmutated seed file") : mutator.Case(seed, i);
            long bound = target.AllocationBound(bytes);
            long before = GC.GetAllocatedBytesForCurrentThread();
            var caseClock = Stopwatch.StartNew();
            string? error = null;
            try
            {
                target.Run(bytes);
                succeeded++;
            }
            catch (Exception e) when (target.DocumentedError.IsInstanceOfType(e) || target.AlsoDocumented?.IsInstanceOfType(e) == true)
            {
                rejected++;
            }
            catch (Exception e)
            {
                error = $"{e.GetType().Name}: {e.Message}\n{e.StackTrace}";
            }
            double ms = caseClock.Elapsed.TotalMilliseconds;
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            slowest = Math.Max(slowest, ms);
            most = Math.Max(most, allocated);
            if (error is null && allocated > bound) error = $"allocated {allocated:N0} bytes, bound {bound:N0}";
            if (error is null && ms > target.TimeBound.TotalMilliseconds) error = $"took {ms:F0} ms, bound {target.TimeBound.TotalMilliseconds:F0} ms";
            if (error is not null) failures.Add($"{target.Name} seed {seed} case {i} ({what}, {bytes.Length} bytes{Saved(target.Name, seed, i, bytes)}): {error}");
        }
        if (failures.Count > 0) throw new Xunit.Sdk.XunitException(string.Join("\n\n", failures));
        return new FuzzReport(target.Name, cases + mutator.Corpus.Count, succeeded, rejected, slowest, most, clock.Elapsed.TotalSeconds);
    }

    // failing inputs are kept under the temp folder for replay
    private static string Saved(string target, int seed, int index, byte[] bytes)
    {
        try
        {
            string dir = Path.Combine(Path.GetTempPath(), "faceparse-fuzz-failures");
            Directory.CreateDirectory(dir);
            string path = Path.Combine(dir, $"{target}-{seed}-{index}.bin");
            File.WriteAllBytes(path, bytes);
            return $", saved as {path}";
        }
        catch (IOException)
        {
            return "";
        }
    }
}
