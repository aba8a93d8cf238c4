using FaceParse.Detection;
using FaceParse.Inference;
using FaceParse.Tensors;

namespace FaceParse.Tests.Inference;

/// <summary>Weights loaded or built while a caller's <see cref="TensorScope"/> is open outlive it (they used to go back to the
/// pool with the scope: the first auto-mode parse inside a scope broke the lazily loaded detector for the whole process).</summary>
public sealed class LongLivedWeightsTests
{
    [Fact]
    public void ADetectorLoadedInsideAScopeStillWorksAfterIt()
    {
        MtcnnDetector detector;
        using (new TensorScope()) detector = MtcnnDetector.Load();
        ScribbleOverThePool();
        var photo = TinyModels.Photo(64, 48, seed: 1);
        var faces = detector.Detect(photo); // threw ArgumentOutOfRangeException (a returned weight's empty storage)
        Assert.NotNull(faces);
        Assert.All(detector.Networks.Parameters(), p => Assert.Equal(p.Count, p.Span.Length));
    }

    [Fact]
    public void ModelsLoadedBuiltOrClonedInsideAScopeKeepTheirWeights()
    {
        string dir = Directory.CreateTempSubdirectory("faceparse-longlived-").FullName;
        try
        {
            string path = TinyModels.Save(dir);
            var reference = SegmentationModel.Load(path);
            SegmentationModel loaded, created, cloned;
            using (new TensorScope())
            {
                loaded = SegmentationModel.Load(path);
                created = TinyModels.Create(seed: 5);
                cloned = reference.Clone();
            }
            ScribbleOverThePool();
            foreach (var model in new[] { loaded, created, cloned })
                foreach (var (key, p) in model.Module.NamedParameters())
                    Assert.True(p.Span.SequenceEqual(reference.Module.NamedParameters().Single(q => q.Key == key).Value.Span), key);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    // Rents pooled buffers of many lengths and overwrites them: a weight whose buffer went back to the pool would change.
    private static void ScribbleOverThePool()
    {
        using var scope = new TensorScope();
        for (int n = 1024; n < 1 << 20; n = n * 5 / 4) Tensor.Full(-7f, n);
    }
}
