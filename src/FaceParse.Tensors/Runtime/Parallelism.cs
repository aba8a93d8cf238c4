namespace FaceParse.Tensors.Runtime;

/// <summary>How many threads kernels may use, and the one parallel-for they all share.</summary>
public static class Parallelism
{
    private static int _threads = Environment.ProcessorCount;

    /// <summary>Threads used by kernels (the CLI's global --threads). At least 1.</summary>
    public static int Threads
    {
        get => _threads;
        set => _threads = value >= 1 ? value : throw new ArgumentException($"Thread count must be at least 1, got {value}.", nameof(value));
    }

    /// <summary>Runs body(i) for i in [0, count) on up to <see cref="Threads"/> threads; inline when one thread or one item.</summary>
    public static void For(int count, Action<int> body)
    {
        if (count <= 0) return;
        int threads = Math.Min(_threads, count);
        if (threads == 1)
        {
            for (int i = 0; i < count; i++) body(i);
            return;
        }
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = threads }, body);
    }
}
