using FaceParse.Inference;
using FaceParse.Labels;
using FaceParse.Tensors;

namespace FaceParse.Tests.Inference;

public sealed class ModelFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("faceparse-modelfile-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void SavedModelLoadsWithIdenticalOutputs()
    {
        var model = SegmentationModel.CreateNew("fp-liif-tiny", LabelSets.LaPa, inputSize: 32, seed: 3);
        string path = Path.Combine(_dir, "m.safetensors");
        model.Save(path, notes: "test");
        var loaded = SegmentationModel.Load(path);
        Assert.Equal("fp-liif", loaded.Description.Architecture);
        Assert.Equal("lapa", loaded.Labels.Name);
        Assert.Equal(32, loaded.InputSize);
        Assert.Equal("test", loaded.Description.Notes);
        Assert.Equal(model.ParameterCount, loaded.ParameterCount);
        var x = Tensor.Uniform(new Random(1), 0, 1, 1, 3, 20, 24);
        using var _ = GradMode.NoGrad();
        var a = model.Forward(x, 9, 13);
        var b = loaded.Forward(x, 9, 13);
        Assert.Equal([1, 11, 9, 13], b.Shape);
        Assert.Equal(a.ToArray(), b.ToArray());
    }

    [Fact]
    public void FilesThatAreNotModelsAreRejectedClearly()
    {
        string junk = Path.Combine(_dir, "junk.safetensors");
        File.WriteAllBytes(junk, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
        Assert.Contains("not a FaceParse model file", Assert.Throws<InvalidDataException>(() => SegmentationModel.Load(junk)).Message);

        string bare = Path.Combine(_dir, "bare.safetensors");
        FaceParse.Tensors.Serialization.SafeTensors.Save(bare, new Dictionary<string, Tensor> { ["w"] = Tensor.Zeros(2) });
        Assert.Contains("faceparse.model", Assert.Throws<InvalidDataException>(() => SegmentationModel.Load(bare)).Message);

        var model = SegmentationModel.CreateNew("fp-liif-tiny", LabelSets.CelebAMaskHq, 32, seed: 1);
        var weights = model.Module.StateDict().ToDictionary();
        weights["extra.weight"] = Tensor.Zeros(3);
        string extra = Path.Combine(_dir, "extra.safetensors");
        ModelFile.Save(extra, model.Description, weights);
        Assert.Contains("extra.weight", Assert.Throws<InvalidDataException>(() => SegmentationModel.Load(extra)).Message);

        string other = Path.Combine(_dir, "other.safetensors");
        ModelFile.Save(other, model.Description with { Architecture = "unet" }, model.Module.StateDict());
        Assert.Contains("architecture 'unet'", Assert.Throws<InvalidDataException>(() => SegmentationModel.Load(other)).Message);
    }
}
