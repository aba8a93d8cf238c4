namespace FaceParse.Tensors.Tests;

/// <summary>The pool's idle limit follows the open scopes: a step that needs more than <see cref="TensorPool.CapacityFloats"/>
/// at once keeps all its buffers for the next step instead of dropping them to the garbage collector; lengths no call asks
/// for again age out.</summary>
[Collection("kernels-global")] // changes process-wide pool settings; runs alone
public sealed class PoolCapacityTests
{
    // Runs body with the pool emptied and its default limit set to `floats`; restores both afterwards.
    private static void WithCapacity(long floats, Action body)
    {
        long saved = TensorPool.CapacityFloats;
        try
        {
            TensorPool.CapacityFloats = floats;
            TensorPool.Clear();
            body();
        }
        finally
        {
            TensorPool.CapacityFloats = saved;
            TensorPool.Clear();
        }
    }

    [Fact]
    public void AScopeLargerThanTheCapacityKeepsAllItsBuffersAndClearForgetsIt()
    {
        WithCapacity(1 << 20, () =>
        {
            const int length = 524_287, count = 8; // 4 Mi floats in all, 4× the capacity
            using (new TensorScope())
                for (int i = 0; i < count; i++) Tensor.Empty(length);
            Assert.Equal((long)length * count, TensorPool.EffectiveCapacityFloats);
            Assert.True(TensorPool.IdleFloats >= (long)length * count, $"only {TensorPool.IdleFloats} floats kept idle");
            long reused = TensorPool.Reused;
            using (new TensorScope())
                for (int i = 0; i < count; i++) Tensor.Empty(length);
            Assert.True(TensorPool.Reused - reused >= count, "the second scope did not find its buffers again");
            TensorPool.Clear();
            Assert.Equal(TensorPool.CapacityFloats, TensorPool.EffectiveCapacityFloats);
            Assert.Equal(0, TensorPool.IdleFloats);
        });
    }

    /// <summary>Buffers handed back while a scope is still open (a first training step's backward pass releasing its
    /// activations) are kept once the scope has passed the capacity, not dropped: before, the limit only grew when the scope
    /// ended, so the first step's releases past the default became garbage the next step's new buffers sat beside.</summary>
    [Fact]
    public void BuffersReleasedInsideALargeOpenScopeAreKept()
    {
        WithCapacity(1 << 20, () =>
        {
            const int length = 524_287, count = 8;
            using (new TensorScope(releaseActivationsInBackward: true))
            {
                var made = Enumerable.Range(0, count).Select(_ => Tensor.Empty(length)).ToList();
                foreach (var t in made) TensorScope.ReleaseNow(t); // back to the pool while the scope is open
                Assert.True(TensorPool.IdleFloats >= (long)length * count, $"only {TensorPool.IdleFloats} of {(long)length * count} floats kept");
            }
        });
    }

    /// <summary>Auto mode parses a face region whose size changes from photo to photo; each call hands the pool buffers of
    /// lengths it will never ask for again. They must age out: before, they filled the pool to its limit for good (2 GiB idle
    /// in a batch worker) and the steady shapes' buffers then found no room and were allocated anew every call.</summary>
    [Fact]
    public void LengthsThatChangeEveryCallAgeOutAndTheSteadyShapesStayPooled()
    {
        WithCapacity(1 << 20, () =>
        {
            const int steady = 100_000, calls = 60;
            long evicted = TensorPool.Evicted;
            int reusedCalls = 0;
            for (int call = 0; call < calls; call++)
            {
                long reused = TensorPool.Reused;
                using (new TensorScope())
                {
                    Tensor.Empty(250_000 + 1_000 * call); // this call's region: a length no later call asks for
                    Tensor.Empty(steady);
                    Tensor.Empty(steady);
                }
                if (call >= calls / 2 && TensorPool.Reused - reused == 2) reusedCalls++;
                Assert.True(TensorPool.IdleFloats <= TensorPool.EffectiveCapacityFloats, $"call {call}: {TensorPool.IdleFloats} floats idle, limit {TensorPool.EffectiveCapacityFloats}");
            }
            Assert.Equal(calls - calls / 2, reusedCalls); // every later call found both steady buffers again
            Assert.True(TensorPool.Evicted > evicted, "no stale length was dropped");
        });
    }

    /// <summary>Data-parallel workers each run their step in their own scope at the same time: the limit is what the open
    /// scopes hold together, so both workers' buffers stay pooled (the largest single scope kept only one worker's).</summary>
    [Fact]
    public void ScopesOpenAtOnceOnTwoThreadsRaiseTheLimitToTheirSum()
    {
        WithCapacity(1 << 20, () =>
        {
            const int length = 524_287, count = 4; // 2 Mi floats per worker, 2× the capacity
            using var bothOpen = new Barrier(2);
            void Step()
            {
                using (new TensorScope())
                {
                    for (int i = 0; i < count; i++) Tensor.Empty(length);
                    bothOpen.SignalAndWait();
                }
            }
            var workers = new[] { new Thread(Step), new Thread(Step) };
            foreach (var w in workers) w.Start();
            foreach (var w in workers) w.Join();
            Assert.True(TensorPool.EffectiveCapacityFloats >= 2L * length * count, $"limit {TensorPool.EffectiveCapacityFloats}");
            Assert.True(TensorPool.IdleFloats >= 2L * length * count, $"only {TensorPool.IdleFloats} of {2L * length * count} floats kept");
        });
    }

    [Fact]
    public void ReleaseNowReturnsOnlyWhatAReleasingScopeCreatedAndDidNotKeep()
    {
        var outside = Tensor.Empty(4096);
        using (new TensorScope()) // a plain scope: nothing is released early
        {
            var t = Tensor.Empty(4096);
            TensorScope.ReleaseNow(t);
            Assert.Equal(4096, t.Span.Length);
        }
        using (var scope = new TensorScope(releaseActivationsInBackward: true))
        {
            var kept = scope.Keep(Tensor.Empty(4096));
            var owner = Tensor.Empty(2, 2048);
            var half = owner.Narrow(0, 0, 1); // a part of its owner: the rest may still be read
            var transposed = Tensor.Empty(64, 64);
            var released = Tensor.Empty(4096);
            foreach (var t in new[] { outside, kept, half, transposed.Transpose(0, 1), released }) TensorScope.ReleaseNow(t);
            Assert.Equal(4096, outside.Span.Length);
            Assert.Equal(4096, kept.Span.Length);
            Assert.Equal(4096, owner.Span.Length);
            Assert.Equal(4096, transposed.Span.Length);
            Assert.Empty(released.Storage); // disposed: its buffer is the pool's again

            var whole = Tensor.Empty(2, 2048);
            TensorScope.ReleaseNow(whole.Reshape(4096)); // a reshape spans its owner: the owner goes
            Assert.Empty(whole.Storage);
        }
    }
}
