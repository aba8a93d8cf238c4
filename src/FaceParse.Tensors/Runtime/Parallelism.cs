namespace FaceParse.Tensors.Runtime;

/// <summary>How many threads kernels may use, and the one parallel-for they all share.</summary>
public static class Parallelism
{
    private static int _threads = Environment.ProcessorCount;
    [ThreadStatic] private static int _local; // 0 = no limit set on this thread

    /// <summary>Threads used by kernels (the CLI's global --threads), or on a thread inside <see cref="LimitThisThread"/> that
    /// thread's limit. At least 1. Setting it sets the process-wide value.</summary>
    public static int Threads
    {
        get => _local > 0 ? _local : _threads;
        set => _threads = value >= 1 ? value : throw new ArgumentException($"Thread count must be at least 1, got {value}.", nameof(value));
    }

    // This thread's own limit (0 = none): the worker pool gives its workers the caller's for the length of a job.
    internal static int LocalLimit
    {
        get => _local;
        set => _local = value;
    }

    /// <summary>Until disposed, kernels called from this thread use at most <paramref name="threads"/> threads (data-parallel
    /// training runs one replica per thread, each with its own share of the cores). Dispose on the same thread.</summary>
    public static IDisposable LimitThisThread(int threads)
    {
        if (threads < 1) throw new ArgumentException($"Thread count must be at least 1, got {threads}.", nameof(threads));
        var restore = new Restore(_local);
        _local = threads;
        return restore;
    }

    private sealed class Restore(int previous) : IDisposable
    {
        public void Dispose() => _local = previous;
    }

    /// <summary>Runs body(i) for i in [0, count) on up to <see cref="Threads"/> threads; inline when one thread or one item.
    /// The calling thread works too; the others come from <see cref="WorkerPool"/>, or from Parallel.For when that pool is
    /// already running a job (a body calling For, or several callers at once). Body exceptions arrive as one
    /// AggregateException.</summary>
    public static void For(int count, Action<int> body)
    {
        if (count <= 0) return;
        int threads = Math.Min(Threads, count);
        if (threads == 1)
        {
            for (int i = 0; i < count; i++) body(i);
            return;
        }
        if (!WorkerPool.Shared.TryRun(count, threads, Threads, body)) // busy: nested or concurrent callers
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = threads }, body);
    }
}
