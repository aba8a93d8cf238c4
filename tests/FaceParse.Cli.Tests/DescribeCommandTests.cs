using FaceParse.Inference;
using FaceParse.Tests.Inference;

namespace FaceParse.Cli.Tests;

/// <summary>`faceparse describe`: the description changes as asked, the weights stay bit-identical, bad templates are refused.</summary>
[Collection("cli")]
public sealed class DescribeCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("faceparse-describe-").FullName;
    private readonly string _model;

    public DescribeCommandTests() => _model = TinyModels.Save(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void NameNotesAndTemplateChangeAndTheWeightsDoNot()
    {
        string output = Path.Combine(_dir, "described.safetensors");
        string notes = Path.Combine(_dir, "notes.txt");
        File.WriteAllText(notes, "  trained on tiny data\n");
        var (exit, stdout, stderr) = CliHarness.Run("describe", _model, "-o", output, "--name", "renamed", "--notes-file", notes,
            "--face-template", "0.3783, 0.4750, 0.6253, 0.4755, 0.4994, 0.6287, 0.3904, 0.7346, 0.6118, 0.7350");
        Assert.True(exit == 0, stderr);
        Assert.Contains("5 points", stdout);

        var (before, oldWeights) = ModelFile.Load(_model);
        var (after, newWeights) = ModelFile.Load(output);
        Assert.Equal("renamed", after.Name);
        Assert.Equal("trained on tiny data", after.Notes);
        Assert.Equal([0.3783, 0.4750, 0.6253, 0.4755, 0.4994, 0.6287, 0.3904, 0.7346, 0.6118, 0.7350], after.FaceTemplate!);
        Assert.Equal(before with { Name = "renamed", Notes = after.Notes, FaceTemplate = after.FaceTemplate }, after);
        Assert.Equal(oldWeights.Keys.Order(), newWeights.Keys.Order());
        foreach (var (key, tensor) in oldWeights)
        {
            Assert.Equal(tensor.Shape.ToArray(), newWeights[key].Shape.ToArray());
            Assert.True(tensor.Span.SequenceEqual(newWeights[key].Span), key);
        }

        // In place, and 'none' removes the template again.
        (exit, _, stderr) = CliHarness.Run("describe", output, "-o", output, "--face-template", "none", "--notes", "v2");
        Assert.True(exit == 0, stderr);
        var (again, _) = ModelFile.Load(output);
        Assert.Null(again.FaceTemplate);
        Assert.Equal(("renamed", "v2"), (again.Name, again.Notes));
    }

    [Theory]
    [InlineData("0.1,0.2,0.3", "10 numbers are needed")]
    [InlineData("0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1.5", "value 10 (1.5)")]
    [InlineData("0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,NaN", "value 10 (NaN)")]
    [InlineData("0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,x", "'x' is not a number")]
    public void ABadTemplateIsRefusedAndNothingIsWritten(string template, string message)
    {
        string output = Path.Combine(_dir, "bad.safetensors");
        var (exit, _, stderr) = CliHarness.Run("describe", _model, "-o", output, "--face-template", template);
        Assert.Equal(1, exit);
        Assert.Contains(message, stderr);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void AModelFileWithABadTemplateDoesNotLoad()
    {
        var (description, weights) = ModelFile.Load(_model);
        string path = Path.Combine(_dir, "hostile.safetensors");
        ModelFile.Save(path, description with { FaceTemplate = [0.5, 0.5, 0.5] }, weights);
        var e = Assert.Throws<InvalidDataException>(() => ModelFile.Load(path));
        Assert.Contains("face template: 10 numbers are needed", e.Message);
    }
}
