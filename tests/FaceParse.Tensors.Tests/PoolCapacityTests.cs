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
}
