using FaceParse.Imaging;
using FaceParse.Inference;
using FaceParse.Samples;

namespace FaceParse.Tests.Inference;

/// <summary>The README's "Library" snippet is samples/QuickStart/Program.cs verbatim, and that code runs.</summary>
public sealed class QuickStartTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("faceparse-quickstart-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FaceParse.slnx"))) return dir.FullName;
        throw new DirectoryNotFoundException($"No FaceParse.slnx above {AppContext.BaseDirectory}.");
    }

    [Fact]
    public void ReadmeShowsTheSampleVerbatim()
    {
        string root = RepositoryRoot();
        string program = File.ReadAllText(Path.Combine(root, "samples", "QuickStart", "Program.cs")).ReplaceLineEndings("\n");
        string readme = File.ReadAllText(Path.Combine(root, "README.md")).ReplaceLineEndings("\n");
        Assert.Contains("## Library\n", readme);
        Assert.Contains("```csharp\n" + program + "```\n", readme);
    }

    [Fact]
    public void TheSampleWritesLabelsAndOverlay()
    {
        string model = TinyModels.Save(_dir);
        var photo = TinyModels.Photo(48, 40, seed: 6);
        string photoPath = Path.Combine(_dir, "photo.png");
        ImageCodec.Save(photoPath, photo);
        string outFolder = Path.Combine(_dir, "out");

        QuickStart.Run(photoPath, outFolder, model);

        var labels = ImageCodec.Load(Path.Combine(outFolder, "labels.png"));
        Assert.Equal(FaceParser.Load(model).Parse(photo).LabelMap, labels.ToLabelMap());
        var overlay = ImageCodec.Load(Path.Combine(outFolder, "overlay.png")).Image;
        Assert.Equal((48, 40), (overlay.Width, overlay.Height));
    }
}
