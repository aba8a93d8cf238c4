using FaceParse.Tensors.Runtime;

namespace FaceParse.Tensors.Tests.Runtime;

/// <summary><see cref="Parallelism.For"/> on the persistent <see cref="WorkerPool"/>: every index exactly once, real
/// concurrency, exceptions as Parallel.For reports them, nesting and concurrent callers, and no per-call allocation.</summary>
public sealed class ParallelismTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(8)]
    public void EveryIndexRunsExactlyOnce(int threads)
    {
        using var limit = Parallelism.LimitThisThread(threads);
        foreach (int count in new[] { 1, 2, 3, 7, 64, 1000, 100_003 })
        {
            var hits = new int[count];
            Parallelism.For(count, i => Interlocked.Increment(ref hits[i]));
            Assert.All(hits, h => Assert.Equal(1, h));
        }
    }

    [Fact]
    public void TwoThreadsReallyRunAtOnce()
    {
        using var limit = Parallelism.LimitThisThread(2);
        using var barrier = new Barrier(2);
        bool[] met = new bool[2];
        // Each index waits for the other: one thread alone would time out.
        Parallelism.For(2, i => met[i] = barrier.SignalAndWait(TimeSpan.FromSeconds(20)));
        Assert.True(met[0] && met[1], "the two indices did not run concurrently");
        Assert.True(WorkerPool.Shared.Workers >= 1);
    }

    [Fact]
    public void ExceptionsArriveAsAggregateAndThePoolStaysUsable()
    {
        using var limit = Parallelism.LimitThisThread(2);
        var e = Assert.Throws<AggregateException>(() => Parallelism.For(1000, i =>
        {
            if (i == 777) throw new InvalidOperationException("boom at 777");
        }));
        Assert.Contains(e.InnerExceptions, x => x is InvalidOperationException { Message: "boom at 777" });
        var hits = new int[500];
        Parallelism.For(hits.Length, i => Interlocked.Increment(ref hits[i]));
        Assert.All(hits, h => Assert.Equal(1, h));
    }

    [Fact]
    public async Task NestedAndConcurrentCallersAllComplete()
    {
        const int outer = 8, inner = 300, callers = 4;
        var hits = new int[callers, outer * inner];
        var tasks = Enumerable.Range(0, callers).Select(c => Task.Run(() =>
        {
            using var limit = Parallelism.LimitThisThread(2);
            for (int round = 0; round < 20; round++)
                Parallelism.For(outer, o => Parallelism.For(inner, i => Interlocked.Increment(ref hits[c, o * inner + i])));
        })).ToArray();
        await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken); // TimeoutException: deadlock
        foreach (int h in hits) Assert.Equal(20, h);
    }

    [Fact]
    public void BodiesSeeTheCallersLimitAndNestedLoopsOnBusyThreadsRunInline()
    {
        using var limit = Parallelism.LimitThisThread(Environment.ProcessorCount + 1); // not the process-wide default
        int outer = 16, wrongLimit = 0, movedThread = 0;
        var hits = new int[outer * 50];
        Parallelism.For(outer, o =>
        {
            if (Parallelism.Threads != Environment.ProcessorCount + 1) Interlocked.Increment(ref wrongLimit);
            int me = Environment.CurrentManagedThreadId;
            Parallelism.For(50, i =>
            {
                if (Environment.CurrentManagedThreadId != me) Interlocked.Increment(ref movedThread);
                Interlocked.Increment(ref hits[o * 50 + i]);
            });
        });
        Assert.All(hits, h => Assert.Equal(1, h));
        Assert.Equal(0, wrongLimit);
        Assert.Equal(0, movedThread);
    }
}

/// <summary>The allocation check runs alone: a job of a concurrently running test holds the shared pool, and the calls
/// measured here would then fall back to Parallel.For and allocate (a CI run saw 1 MB over 1000 calls that way).</summary>
[Collection("kernels-global")]
public sealed class ParallelismAllocationTests
{
    [Fact]
    public void WarmCallsAllocateNothingOnTheCallingThread()
    {
        using var limit = Parallelism.LimitThisThread(2);
        var sums = new long[64];
        Action<int> body = i => sums[i] += i;
        for (int i = 0; i < 10; i++) Parallelism.For(sums.Length, body); // start the workers
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++) Parallelism.For(sums.Length, body);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(1010L * 5, sums[5]);
        // Parallel.For allocates about a kilobyte per call on the calling thread alone; the pool nothing. This class runs
        // alone (no other test's job can hold the pool and force the fallback); the bound leaves room for the runtime.
        Assert.True(allocated < 100_000, $"1000 warm calls allocated {allocated} bytes on the calling thread");
    }
}
