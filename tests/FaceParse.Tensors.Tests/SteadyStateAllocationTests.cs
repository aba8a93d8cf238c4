using FaceParse.Tensors.Runtime;

namespace FaceParse.Tensors.Tests;

/// <summary>A training step repeated inside a releasing <see cref="TensorScope"/> must take its large buffers from the
/// pool once warm: large arrays allocated per step live on the large-object heap until a gen-2 collection, and made
/// the trainer's peak grow with the number of steps (a linear layer on a permuted input copied it into a plain array;
/// cross-entropy kept its log-probabilities in one; conv_transpose2d's column buffers and layer_norm's per-row gradient
/// scratch were plain arrays too).</summary>
public sealed class SteadyStateAllocationTests
{
    // x [4, 64, 32, 32] → permute to [4, 32, 32, 64] (not contiguous) → linear 64 → 19 → permute back → cross-entropy.
    private static void Step(Tensor x, Tensor w, Tensor b, IntTensor labels)
    {
        using var scope = new TensorScope(releaseActivationsInBackward: true);
        var logits = Tensor.Linear(x.Permute(0, 2, 3, 1), w, b).Permute(0, 3, 1, 2);
        var loss = Tensor.CrossEntropy(logits, labels);
        loss.Backward();
        w.Grad = null;
        b.Grad = null;
        x.Grad = null;
    }

    [Fact]
    public void AWarmTrainingStepAllocatesNoLargeArrays()
    {
        using var limit = Parallelism.LimitThisThread(1); // every allocation on this thread, where it is counted
        var rng = new Random(3);
        var x = Tensor.Uniform(rng, -1f, 1f, 4, 64, 32, 32);
        var w = Tensor.Uniform(rng, -0.1f, 0.1f, 19, 64);
        var b = Tensor.Zeros(19);
        foreach (var p in new[] { x, w, b }) p.RequiresGrad = true;
        var data = new int[4 * 32 * 32];
        for (int i = 0; i < data.Length; i++) data[i] = rng.Next(19);
        var labels = new IntTensor(data, 4, 32, 32);
        for (int i = 0; i < 3; i++) Step(x, w, b, labels);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++) Step(x, w, b, labels);
        long perStep = (GC.GetAllocatedBytesForCurrentThread() - before) / 5;
        // The permuted input alone is 1 MiB and the log-probabilities 311 KB; bookkeeping (tape nodes, closures, shapes)
        // is a few kilobytes.
        Assert.True(perStep < 128 * 1024, $"a warm step allocated {perStep} bytes");
    }

    [Fact]
    public void AWarmUpscalingStepAllocatesNoLargeArrays()
    {
        // SegFace's upscaling head in miniature: conv_transpose2d (stride 2) → channels last → layer_norm → sum.
        using var limit = Parallelism.LimitThisThread(1);
        var rng = new Random(4);
        var x = Tensor.Uniform(rng, -1f, 1f, 2, 32, 32, 32);
        var w = Tensor.Uniform(rng, -0.1f, 0.1f, 32, 16, 2, 2);
        var gamma = Tensor.Uniform(rng, 0.5f, 1.5f, 16);
        var beta = Tensor.Zeros(16);
        foreach (var p in new[] { x, w, gamma, beta }) p.RequiresGrad = true;
        void Step()
        {
            using var scope = new TensorScope(releaseActivationsInBackward: true);
            x.ConvTranspose2d(w, stride: new Size2D(2, 2)).Permute(0, 2, 3, 1).LayerNorm(gamma, beta).Square().Sum().Backward();
            foreach (var p in new[] { x, w, gamma, beta }) p.Grad = null;
        }
        for (int i = 0; i < 3; i++) Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++) Step();
        long perStep = (GC.GetAllocatedBytesForCurrentThread() - before) / 5;
        // The column buffers are 2 × 512 KB and layer_norm ran 8192 rows (one 88-byte array each, before); bookkeeping is
        // a few kilobytes.
        Assert.True(perStep < 128 * 1024, $"a warm step allocated {perStep} bytes");
    }
}
