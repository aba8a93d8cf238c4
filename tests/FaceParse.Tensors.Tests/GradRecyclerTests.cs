using FaceParse.Tensors.Kernels;

namespace FaceParse.Tensors.Tests;

/// <summary>Backward returns its temporaries to the pool (<see cref="TensorPool.RecycleBackward"/>): gradients stay exactly
/// those computed without recycling, across aliasing (one gradient handed to several inputs, views of a gradient, residual
/// adds, the same tensor used twice) and across repeated steps that reuse the recycled buffers.</summary>
[Collection("kernels-global")]
public sealed class GradRecyclerTests
{
    // A residual conv stack with every aliasing pattern backward meets: x used twice (x + x), Reshape views of a gradient,
    // residual adds (one gradient to two inputs), a fused ReLU conv, a mul of a tensor by itself.
    private static float[][] Gradients(int seed)
    {
        var rng = new Random(seed);
        var x = Tensor.Uniform(rng, -1, 1, 2, 8, 16, 16);
        x.RequiresGrad = true;
        var w1 = Tensor.Uniform(rng, -0.3f, 0.3f, 8, 8, 3, 3);
        var w2 = Tensor.Uniform(rng, -0.3f, 0.3f, 8, 8, 3, 3);
        var b1 = Tensor.Uniform(rng, -0.1f, 0.1f, 8);
        var head = Tensor.Uniform(rng, -1, 1, 4096, 1);
        foreach (var p in new[] { w1, w2, b1, head }) p.RequiresGrad = true;
        var h = x.Add(x);
        for (int i = 0; i < 3; i++)
        {
            var r = h.Conv2d(w1, b1, null, Epilogue.Relu, padding: 1);
            h = r.Conv2d(w2, null, h, Epilogue.None, padding: 1); // residual add fused
        }
        var flat = h.Reshape(1, 4096);
        var loss = flat.Mul(flat).MatMul(head).Add(flat.MatMul(head)).Sum();
        loss.Backward();
        return [.. new[] { x, w1, w2, b1, head }.Select(p => p.Grad!.ToArray())];
    }

    [Fact]
    public void RecyclingLeavesGradientsBitwiseUnchangedOverRepeatedSteps()
    {
        bool saved = TensorPool.RecycleBackward;
        try
        {
            TensorPool.RecycleBackward = false;
            var expected = Gradients(3);
            TensorPool.RecycleBackward = true;
            long reused = TensorPool.Reused;
            for (int step = 0; step < 3; step++)
            {
                var actual = Gradients(3);
                for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i]);
            }
            Assert.True(TensorPool.Reused > reused, "backward buffers were never reused");
        }
        finally
        {
            TensorPool.RecycleBackward = saved;
        }
    }

    [Fact]
    public void ACallersGradientAndLeafGradientsAreNeverRecycled()
    {
        var x = Tensor.Uniform(new Random(4), -1, 1, 64, 64);
        x.RequiresGrad = true;
        var y = x.Mul(x);
        var seed = Tensor.Full(2f, 64, 64);
        y.Backward(seed);
        var grad = x.Grad!.ToArray();
        // New tensors after backward must not receive the caller's gradient or the leaf gradient storage from the pool.
        var others = Enumerable.Range(0, 8).Select(_ => Tensor.Full(-7f, 64, 64)).ToList();
        Assert.All(seed.ToArray(), v => Assert.Equal(2f, v));
        Assert.Equal(grad, x.Grad!.ToArray());
        var xs = x.ToArray();
        for (int i = 0; i < grad.Length; i++) Assert.Equal(4f * xs[i], grad[i], 5);
        GC.KeepAlive(others);
    }
}
