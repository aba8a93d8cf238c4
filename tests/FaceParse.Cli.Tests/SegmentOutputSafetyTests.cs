using FaceParse.Imaging;
using FaceParse.Tests.Inference;

namespace FaceParse.Cli.Tests;

/// <summary>`segment` writes each image's outputs all or nothing, checks that the output folder takes files before any
/// model runs, and goes on with the next image after one fails (issue 13, item 7).</summary>
[Collection("cli")]
public sealed class SegmentOutputSafetyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("faceparse-segment-safety-").FullName;
    private readonly string _model;
    private readonly string _photos;
    private readonly string _out;

    public SegmentOutputSafetyTests()
    {
        _model = TinyModels.Save(_dir);
        _photos = Directory.CreateDirectory(Path.Combine(_dir, "photos")).FullName;
        _out = Directory.CreateDirectory(Path.Combine(_dir, "out")).FullName;
        ImageCodec.Save(Path.Combine(_photos, "a.png"), TinyModels.Photo(20, 16, seed: 1));
        ImageCodec.Save(Path.Combine(_photos, "b.png"), TinyModels.Photo(18, 22, seed: 2));
        ImageCodec.Save(Path.Combine(_photos, "c.png"), TinyModels.Photo(16, 16, seed: 3));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string[] OutputNames() =>
        [.. Directory.EnumerateFileSystemEntries(_out, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(_out, p)).Order(StringComparer.Ordinal)];

    [Fact]
    public void ATakenNameMidImageLeavesNoneOfThatImagesOutputsAndTheOthersAreWritten()
    {
        Directory.CreateDirectory(Path.Combine(_out, "b.overlay.png", "x")); // b's second output cannot be written
        var (exit, stdout, stderr) = CliHarness.Run("segment", _photos, "-o", _out, "--model", _model);
        Assert.Equal(1, exit);
        Assert.Contains("b.png", stderr);
        Assert.Contains("segmented 2 of 3", stdout);
        Assert.Equal(["a.labels.png", "a.overlay.png", "b.overlay.png", Path.Combine("b.overlay.png", "x"), "c.labels.png", "c.overlay.png"], OutputNames());
        Assert.DoesNotContain(".tmp", stderr);
    }

    [Fact]
    public void AFailedImageKeepsTheOutputsOfAnEarlierRunByteIdentical()
    {
        string b = Path.Combine(_photos, "b.png");
        Assert.Equal(0, CliHarness.Run("segment", b, "-o", _out, "--model", _model, "--emit", "labels,masks").Exit);
        var before = OutputNames().ToDictionary(n => n, n => File.Exists(Path.Combine(_out, n)) ? File.ReadAllBytes(Path.Combine(_out, n)) : null);
        var someMask = Directory.GetFiles(Path.Combine(_out, "b.masks"))[^1];
        File.Delete(someMask);
        Directory.CreateDirectory(Path.Combine(someMask, "x")); // the last mask's name is taken
        var (exit, _, _) = CliHarness.Run("segment", b, "-o", _out, "--model", _model, "--emit", "labels,masks,logits", "--out-size", "24");
        Assert.Equal(1, exit);
        Assert.False(File.Exists(Path.Combine(_out, "b.logits.npy")));
        foreach (var (name, bytes) in before)
            if (bytes is not null && Path.Combine(_out, name) != someMask) Assert.Equal(bytes, File.ReadAllBytes(Path.Combine(_out, name)));
        Assert.Empty(Directory.GetFiles(_out, "*.tmp", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetFiles(_out, "*.bak", SearchOption.AllDirectories));
    }

    [Fact]
    public void AnOutputFolderThatTakesNoFilesFailsBeforeAnyImageIsParsed()
    {
        // /proc/self exists but no file can be created in it, even by root.
        var (exit, stdout, stderr) = CliHarness.Run("segment", _photos, "-o", "/proc/self", "--model", _model);
        Assert.Equal(1, exit);
        Assert.Contains("/proc/self", stderr);
        Assert.Contains("writ", stderr);
        Assert.DoesNotContain("segmented", stdout);
        Assert.DoesNotContain("a.png", stderr);
    }
}
