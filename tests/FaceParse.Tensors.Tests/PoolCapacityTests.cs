namespace FaceParse.Tensors.Tests;

/// <summary>The pool's idle limit follows the largest scope: a step that needs more than <see cref="TensorPool.CapacityFloats"/>
/// at once keeps all its buffers for the next step instead of dropping them to the garbage collector.</summary>
[Collection("kernels-global")] // changes process-wide pool settings; runs alone
public sealed class PoolCapacityTests
{
    [Fact]
    public void AScopeLargerThanTheCapacityKeepsAllItsBuffersAndClearForgetsIt()
    {
        long saved = TensorPool.CapacityFloats;
        try
        {
            TensorPool.CapacityFloats = 1 << 20;
            TensorPool.Clear();
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
        }
        finally
        {
            TensorPool.CapacityFloats = saved;
            TensorPool.Clear();
        }
    }

    /// <summary>Buffers handed back while a scope is still open (a first training step's backward pass releasing its
    /// activations) are kept once the scope has passed the capacity, not dropped: before, the limit only grew when the scope
    /// ended, so the first step's releases past the default became garbage the next step's new buffers sat beside.</summary>
    [Fact]
    public void BuffersReleasedInsideALargeOpenScopeAreKept()
    {
        long saved = TensorPool.CapacityFloats;
        try
        {
            TensorPool.CapacityFloats = 1 << 20;
            TensorPool.Clear();
            const int length = 524_287, count = 8;
            using (new TensorScope(releaseActivationsInBackward: true))
            {
                var made = Enumerable.Range(0, count).Select(_ => Tensor.Empty(length)).ToList();
                foreach (var t in made) TensorScope.ReleaseNow(t); // back to the pool while the scope is open
                Assert.True(TensorPool.IdleFloats >= (long)length * count, $"only {TensorPool.IdleFloats} of {(long)length * count} floats kept");
            }
        }
        finally
        {
            TensorPool.CapacityFloats = saved;
            TensorPool.Clear();
        }
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
