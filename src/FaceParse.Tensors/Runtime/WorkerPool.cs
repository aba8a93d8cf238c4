namespace FaceParse.Tensors.Runtime;

/// <summary>Persistent worker threads behind <see cref="Parallelism.For"/>: one job at a time, the calling thread works
/// too, indices are handed out in chunks from one counter. Unlike Parallel.For it allocates nothing per call (Parallel.For
/// left about 30 MB of task and replica objects per FP-LIIF training step) and its workers keep their thread-static
/// kernel workspaces from call to call.</summary>
/// <remarks>A call made while the pool runs another caller's job (data-parallel replicas) returns false and the caller falls
/// back to Parallel.For. A body calling For again runs that loop inline when its job already has the threads asked for,
/// and falls back to Parallel.For otherwise; workers run bodies under the caller's thread limit.
/// Exceptions thrown by bodies stop the hand-out of further chunks and surface together as an AggregateException, as
/// Parallel.For's do. Workers are background threads, created on demand, never shrunk.</remarks>
internal sealed class WorkerPool
{
    public static readonly WorkerPool Shared = new();

    [ThreadStatic] private static bool _insideBody;

    private readonly object _growLock = new();
    private readonly ManualResetEventSlim _done = new(false);
    private SemaphoreSlim[] _wake = [];
    private int _busy; // 1 while a caller owns the pool

    // The current job (valid while _busy = 1).
    private Action<int>? _body;
    private int _count, _chunk, _pending, _slots, _threads, _limit;
    private long _next;
    private List<Exception>? _errors;

    /// <summary>Workers started so far (for tests).</summary>
    public int Workers => Volatile.Read(ref _wake).Length;

    /// <summary>Runs body(i) for i in [0, count) on the calling thread and <paramref name="threads"/> − 1 workers. Called from
    /// inside one of the pool's bodies, it runs the loop inline when the job around it already has as many threads (they
    /// are all busy: nesting would only oversubscribe them). Returns false at once, having run nothing, when the pool is
    /// busy with another caller's job, or nested in a job with fewer threads.</summary>
    /// <param name="limit">The caller's <see cref="Parallelism.Threads"/>, which workers adopt while they run its bodies.</param>
    public bool TryRun(int count, int threads, int limit, Action<int> body)
    {
        if (_insideBody)
        {
            if (Volatile.Read(ref _threads) < threads) return false;
            for (int i = 0; i < count; i++) body(i);
            return true;
        }
        if (Interlocked.CompareExchange(ref _busy, 1, 0) != 0) return false;
        try
        {
            var wake = EnsureWorkers(threads - 1);
            _body = body;
            _threads = threads;
            _limit = limit;
            _count = count;
            _chunk = Math.Max(1, count / (threads * 4)); // a few chunks per thread: balance without contention
            _next = 0;
            _errors = null;
            _pending = threads - 1;
            _done.Reset();
            Volatile.Write(ref _slots, threads - 1);
            for (int w = 0; w < threads - 1; w++) wake[w].Release();
            Work();
            // Workers that have not woken yet are not waited for: their slots are withdrawn (a late wake finds none).
            int unclaimed = Math.Max(0, Interlocked.Exchange(ref _slots, 0));
            Interlocked.Add(ref _pending, -unclaimed);
            while (Volatile.Read(ref _pending) > 0)
            {
                _done.Wait();
                _done.Reset(); // a Set can be late, from the previous job; the count decides
            }
            if (_errors is { } errors) throw new AggregateException(errors);
            return true;
        }
        finally
        {
            _body = null;
            Volatile.Write(ref _busy, 0);
        }
    }

    private SemaphoreSlim[] EnsureWorkers(int needed)
    {
        var wake = Volatile.Read(ref _wake);
        if (wake.Length >= needed) return wake;
        lock (_growLock)
        {
            wake = _wake;
            if (wake.Length >= needed) return wake;
            var grown = new SemaphoreSlim[needed];
            wake.CopyTo(grown, 0);
            for (int w = wake.Length; w < needed; w++)
            {
                var signal = grown[w] = new SemaphoreSlim(0);
                new Thread(() => WorkerLoop(signal)) { IsBackground = true, Name = $"FaceParse worker {w + 1}" }.Start();
            }
            Volatile.Write(ref _wake, grown);
            return grown;
        }
    }

    private void WorkerLoop(SemaphoreSlim signal)
    {
        while (true)
        {
            signal.Wait();
            if (Interlocked.Decrement(ref _slots) < 0) continue; // withdrawn, or a wake left over from an earlier job
            Parallelism.LocalLimit = _limit; // a For inside a body sees the caller's thread count
            Work();
            Parallelism.LocalLimit = 0;
            if (Interlocked.Decrement(ref _pending) == 0) _done.Set();
        }
    }

    // Takes chunks of indices until none are left; records exceptions and stops the hand-out on the first.
    private void Work()
    {
        var body = _body!;
        int count = _count, chunk = _chunk;
        _insideBody = true;
        try
        {
            while (true)
            {
                long start = Interlocked.Add(ref _next, chunk) - chunk;
                if (start >= count) return;
                int end = (int)Math.Min(count, start + chunk);
                try
                {
                    for (int i = (int)start; i < end; i++) body(i);
                }
                catch (Exception e)
                {
                    lock (_done) (_errors ??= []).Add(e);
                    Interlocked.Exchange(ref _next, count);
                    return;
                }
            }
        }
        finally
        {
            _insideBody = false;
        }
    }
}
