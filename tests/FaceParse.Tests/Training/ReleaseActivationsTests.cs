using FaceParse.Architectures;
using FaceParse.Inference;
using FaceParse.Labels;
using FaceParse.Tensors;

namespace FaceParse.Tests.Training;

/// <summary><c>new TensorScope(releaseActivationsInBackward: true)</c>, the training step's scope: Backward hands each forward
/// result back to the pool as soon as its last backward rule has run. Released buffers are poisoned with NaN here, so a rule
/// that still read one would change the gradients; every parameter's gradient must stay bit-identical, on every
/// architecture preset the registry trains.</summary>
public sealed class ReleaseActivationsTests
{
    [Theory]
    [InlineData("fp-liif-tiny", 16)]
    [InlineData("fp-liif-small", 32)]
    [InlineData("segface-mobilenet", 32)]
    [InlineData("segface-resnet101", 32)]
    [InlineData("segface-efficientnet", 32)]
    [InlineData("segface-convnext", 32)]
    [InlineData("segface-swin_b", 32)]
    [InlineData("segface-swin_v2_b", 64)]
    public void GradientsAreBitIdenticalWithActivationsReleasedAndPoisoned(string preset, int size)
    {
        var model = SegmentationModel.CreateNew(preset, LabelSets.CelebAMaskHq, size, seed: 3);
        var rng = new Random(6);
        var images = Tensor.Uniform(rng, 0f, 1f, 2, 3, size, size);
        var labels = new IntTensor([.. Enumerable.Range(0, 2 * size * size).Select(_ => rng.Next(8) == 0 ? 255 : rng.Next(19))], 2, size, size);

        var (lossKept, kept, _) = Gradients(model, images, labels, release: false);
        TensorScope.PoisonReleased = true;
        (double Loss, Dictionary<string, float[]> Grads, long Released) released;
        try { released = Gradients(model, images, labels, release: true); }
        finally { TensorScope.PoisonReleased = false; }

        Assert.True(released.Released > 10, $"only {released.Released} activations released");
        Assert.Equal(lossKept, released.Loss);
        Assert.Equal(kept.Keys.Order(), released.Grads.Keys.Order());
        foreach (var (key, values) in kept)
            Assert.True(values.AsSpan().SequenceEqual(released.Grads[key]), $"{preset}: gradient of {key} differs");
    }

    // One training step's loss and parameter gradients (copied out before the scope returns its buffers)
    private static (double Loss, Dictionary<string, float[]> Grads, long Released) Gradients(SegmentationModel model, Tensor images,
        IntTensor labels, bool release)
    {
        foreach (var p in model.Module.Parameters()) p.Grad = null;
        using var scope = new TensorScope(releaseActivationsInBackward: release);
        long before = TensorScope.Released;
        var loss = model.Network.TrainingLoss(images, labels, new TrainingStepContext(seed: 7) { QueriesPerImage = 64 });
        double value = loss.ToScalar();
        loss.Backward();
        long released = TensorScope.Released - before;
        var grads = model.Module.NamedParameters().Where(p => p.Value.Grad is not null)
            .ToDictionary(p => p.Key, p => p.Value.Grad!.Contiguous().ToArray());
        Assert.NotEmpty(grads);
        return (value, grads, released);
    }
}
