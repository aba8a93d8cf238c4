using FaceParse.Imaging;
using FaceParse.Imaging.Png;

namespace FaceParse.Cli.Tests;

/// <summary>Error lines name what the user named: never an internal temporary file, a folder is called a folder, and a
/// missing model path is reported as that path (issue 13, item 8).</summary>
[Collection("cli")]
public sealed class MessageTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("faceparse-messages-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void FailedSaveNamesTheTargetNotTheTemporaryFile()
    {
        string input = Path.Combine(_dir, "in.png");
        File.WriteAllBytes(input, PngEncoder.Encode(new Image(3, 2, 3)));
        string taken = Path.Combine(_dir, "taken.png");
        Directory.CreateDirectory(Path.Combine(taken, "inner")); // the target name is a non-empty folder
        var (exit, _, err) = CliHarness.Run("image", "convert", input, taken);
        Assert.Equal(1, exit);
        Assert.Contains("taken.png", err);
        Assert.DoesNotContain(".tmp", err);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp", SearchOption.AllDirectories));
        string inMissingFolder = Path.Combine(_dir, "missing", "out.png");
        (exit, _, err) = CliHarness.Run("image", "convert", input, inMissingFolder);
        Assert.Equal(1, exit);
        Assert.Contains(inMissingFolder, err);
        Assert.DoesNotContain(".tmp", err);
    }

    [Fact]
    public void ImageInfoOnAFolderSaysItIsAFolder()
    {
        var (exit, _, err) = CliHarness.Run("image", "info", _dir);
        Assert.Equal(1, exit);
        Assert.Contains("folder", err);
        Assert.DoesNotContain("Could not find", err);
        Assert.Equal(1, CliHarness.Run("image", "convert", _dir, Path.Combine(_dir, "x.png")).Exit);
    }

    [Fact]
    public void MissingModelPathIsReportedAsThatPath()
    {
        string missing = Path.Combine(_dir, "nowhere", "m.safetensors");
        var (exit, _, err) = CliHarness.Run("info", "--model", missing);
        Assert.Equal(1, exit);
        Assert.Contains(missing, err);
        Assert.Contains("does not exist", err);
        Assert.DoesNotContain(".safetensors.safetensors", err);
        Assert.Single(err.Trim().Split('\n'));
    }
}

/// <summary>Model files with bad metadata end `info` and `segment` with one error line (issue 13, item 2).</summary>
[Collection("cli")]
public sealed class HostileModelCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("faceparse-hostile-model-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("labels", "nonexistent")]
    [InlineData("labels", null)]
    [InlineData("input_size", "2147483647")]
    public void InfoAndSegmentReportABadDescriptionInOneLine(string field, string? value)
    {
        string model = Path.Combine(_dir, "bad.safetensors");
        File.WriteAllBytes(model, FaceParse.Tests.Inference.HostileModels.Edited(d =>
            d[field] = value is null ? null : int.TryParse(value, out int n) ? System.Text.Json.Nodes.JsonValue.Create(n) : System.Text.Json.Nodes.JsonValue.Create(value)));
        string photo = Path.Combine(_dir, "p.png");
        ImageCodec.Save(photo, new Image(8, 8, 3));
        foreach (var args in new[] { new[] { "info", "--model", model }, ["segment", photo, "-o", Path.Combine(_dir, "out"), "--model", model] })
        {
            var (exit, _, err) = CliHarness.Run(args);
            Assert.Equal(1, exit);
            Assert.Single(err.Trim().Split('\n'));
            Assert.StartsWith("faceparse: error:", err);
            Assert.Contains("bad.safetensors", err);
        }
    }
}
