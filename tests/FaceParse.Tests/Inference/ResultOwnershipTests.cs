using FaceParse.Inference;
using FaceParse.Tensors;

namespace FaceParse.Tests.Inference;

/// <summary>Results handed to a caller own their storage: a caller's own <see cref="TensorScope"/> closing (which returns every
/// buffer it tracked to the pool) and later work reusing those buffers leave them unchanged.</summary>
public sealed class ResultOwnershipTests
{
    // Built outside every scope (LongLivedWeightsTests covers models built inside one).
    private readonly FaceParser _keeping = new(TinyModels.Create(seed: 9), new FaceParserOptions { KeepProbabilities = true, KeepLogits = true });

    // Rents pooled buffers of every length a result tensor could have used and scribbles over them.
    private static void ReuseThePool(int count)
    {
        using var scope = new TensorScope();
        for (int i = 0; i < 4; i++) Tensor.Full(-7f, count);
    }

    [Fact]
    public void ParseFacesInsideACallersScopeKeepsItsProbabilitiesAndLogits()
    {
        var photo = TinyModels.Photo(48, 40, seed: 3);
        ParseResult result;
        float[] probabilities, logits;
        using (new TensorScope())
        {
            result = _keeping.ParseFaces(photo, [new FaceBox(10, 12, 20, 18)]);
            (probabilities, logits) = (result.Probabilities!.ToArray(), result.Logits!.ToArray());
        }
        ReuseThePool(probabilities.Length);
        Assert.Equal(probabilities, result.Probabilities!.ToArray());
        Assert.Equal(logits, result.Logits!.ToArray());
    }

    [Fact]
    public void ParseInsideACallersScopeKeepsItsProbabilitiesAndLogits()
    {
        var photo = TinyModels.Photo(40, 36, seed: 4);
        ParseResult result;
        float[] probabilities, logits;
        using (new TensorScope())
        {
            result = _keeping.Parse(photo);
            (probabilities, logits) = (result.Probabilities!.ToArray(), result.Logits!.ToArray());
        }
        ReuseThePool(probabilities.Length);
        Assert.Equal(probabilities, result.Probabilities!.ToArray());
        Assert.Equal(logits, result.Logits!.ToArray());
        Assert.InRange(probabilities.Min(), 0f, 1f);
    }

    [Fact]
    public void UnpooledTensorsOutliveEveryScope()
    {
        var values = new float[2048];
        values.AsSpan().Fill(3f);
        Tensor kept;
        using (new TensorScope()) kept = Tensor.Unpooled(values, 2, 1024);
        ReuseThePool(2048);
        Assert.All(kept.ToArray(), v => Assert.Equal(3f, v));
        Assert.Throws<ArgumentException>(() => Tensor.Unpooled(values, 3, 1024));
    }
}
