using FaceParse.Inference;

namespace FaceParse.Tests.Inference;

/// <summary>Model references: file paths, names in FACEPARSE_MODELS folders, the default alias, and the not-found message.
/// Only this class touches the FACEPARSE_MODELS variable (its tests run one after another).</summary>
public sealed class ModelRegistryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("faceparse-registry-").FullName;
    private readonly string? _previous = Environment.GetEnvironmentVariable(ModelRegistry.EnvironmentVariable);

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(ModelRegistry.EnvironmentVariable, _previous);
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void AnExistingFilePathResolvesToItself()
    {
        string path = TinyModels.Save(_dir, "anywhere");
        Assert.Equal(Path.GetFullPath(path), ModelRegistry.ResolvePath(path));
        Assert.Equal("tiny-5", ModelRegistry.Load(path).Name);
    }

    [Fact]
    public void NamesResolveInTheEnvironmentFolderAndDefaultIsAnAlias()
    {
        string models = Directory.CreateDirectory(Path.Combine(_dir, "models")).FullName;
        string mine = TinyModels.Save(models, "my-model", seed: 2);
        Environment.SetEnvironmentVariable(ModelRegistry.EnvironmentVariable, models);
        Assert.Equal(models, ModelRegistry.SearchFolders()[0]);
        Assert.Equal(mine, ModelRegistry.ResolvePath("my-model"));
        Assert.Contains("my-model", ModelRegistry.AvailableNames());
        // Weights without a model description (a detector, a checkpoint) and broken files are not offered as models.
        FaceParse.Tensors.Serialization.SafeTensors.Save(Path.Combine(models, "detector.safetensors"),
            new Dictionary<string, FaceParse.Tensors.Tensor> { ["w"] = FaceParse.Tensors.Tensor.Zeros(2) });
        File.WriteAllBytes(Path.Combine(models, "broken.safetensors"), [1, 2, 3]);
        Assert.DoesNotContain("detector", ModelRegistry.AvailableNames());
        Assert.DoesNotContain("broken", ModelRegistry.AvailableNames());

        string shipped = TinyModels.Save(models, ModelRegistry.DefaultModelName, seed: 3);
        Assert.Equal(shipped, ModelRegistry.ResolvePath("default"));
        Assert.Equal(shipped, ModelRegistry.ResolvePath(ModelRegistry.DefaultModelName));
        Assert.Contains("default", ModelRegistry.AvailableNames());
        Assert.Equal("tiny-3", FaceParser.Load("default").Model.Name);
    }

    [Fact]
    public void AnUnknownNameListsTheFoldersSearchedAndTheNamesAvailable()
    {
        string models = Directory.CreateDirectory(Path.Combine(_dir, "zoo")).FullName;
        TinyModels.Save(models, "zebra");
        Environment.SetEnvironmentVariable(ModelRegistry.EnvironmentVariable, models);
        var error = Assert.Throws<FileNotFoundException>(() => ModelRegistry.ResolvePath("no-such-model"));
        Assert.Contains("'no-such-model'", error.Message);
        Assert.Contains(models, error.Message);
        Assert.Contains(Path.Combine(AppContext.BaseDirectory, "models"), error.Message);
        Assert.Contains("zebra", error.Message);
        Assert.Contains(ModelRegistry.EnvironmentVariable, error.Message);

        var missingFile = Assert.Throws<FileNotFoundException>(() => ModelRegistry.ResolvePath(Path.Combine(_dir, "gone.safetensors")));
        Assert.Contains("gone.safetensors", missingFile.Message);
    }
}
