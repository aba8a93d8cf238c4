using System.Globalization;
using System.Text.RegularExpressions;
using FaceParse.Data;
using FaceParse.Evaluation;
using FaceParse.Imaging;
using FaceParse.Inference;
using FaceParse.Labels;

namespace FaceParse.Tests.Inference;

/// <summary>The committed default model: it parses the README's sample photo sensibly, and reproduces the val100 score its
/// model card states (on the shared data, which CI requires).</summary>
public sealed partial class ShippedModelTests
{
    private static readonly string RepoRoot = FindRepoRoot();
    private static string ModelPath => Path.Combine(RepoRoot, "models", ModelRegistry.DefaultModelName + ".safetensors");
    private static string CardPath => Path.Combine(RepoRoot, "models", ModelRegistry.DefaultModelName + ".md");

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FaceParse.slnx"))) return dir.FullName;
        throw new InvalidOperationException($"No FaceParse.slnx above {AppContext.BaseDirectory}.");
    }

    [Fact]
    public void DefaultModelParsesTheSamplePhotoIntoAFace()
    {
        var parser = new FaceParser(SegmentationModel.Load(ModelPath));
        Assert.Equal("celebamask-hq", parser.Labels.Name);
        Image photo = ImageCodec.Load(Path.Combine(RepoRoot, "docs", "sample", "astronaut.png")).Image.ToChannels(3);
        var box = new FaceBox(150, 15, 150, 175);
        ParseResult result = parser.ParseFaces(photo, [box]);
        Assert.Equal((photo.Width, photo.Height), (result.Width, result.Height));

        // Far outside the (grown) face box everything is background.
        Assert.Equal(0, result.LabelMap[500 * result.Width + 10]);
        Assert.Equal(0, result.LabelMap[500 * result.Width + 500]);

        // The centre of the face is skin or a facial part, and skin is the commonest class inside the box.
        var counts = new int[parser.Labels.Count];
        for (int y = box.Y; y < box.Y + box.Height; y++)
            for (int x = box.X; x < box.X + box.Width; x++) counts[result.LabelMap[y * result.Width + x]]++;
        int skin = parser.Labels.IdOf("skin");
        Assert.Equal(skin, Array.IndexOf(counts, counts.Max()));
        var present = result.PresentClasses.Select(c => c.Name).ToHashSet();
        Assert.Contains("hair", present);
        Assert.Contains("nose", present);
        Assert.True(present.Overlaps(["l_eye", "r_eye"]), $"no eye found; present: {string.Join(", ", present)}");
    }

    [Fact]
    public void DefaultModelReproducesTheScoreOnItsCard()
    {
        string root = SharedData.PathOf("celebamask-hq-mini1000");
        var match = CardScore().Match(File.ReadAllText(CardPath));
        Assert.True(match.Success, $"{CardPath} states no 'val100 mean F1 at eval size 512: **x**' line.");
        double stated = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);

        var model = SegmentationModel.Load(ModelPath);
        var val = FolderDataset.Open(root, LabelSets.CelebAMaskHq, Path.Combine(root, "split_val100.txt"));
        EvaluationReport report = Evaluator.Evaluate(model, val, evalSize: 512, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(100, report.Images);
        Assert.True(Math.Abs(report.MeanF1 - stated) <= 0.002, $"val100 mean F1 {report.MeanF1:F4}, the card states {stated:F4}.");
    }

    [GeneratedRegex(@"val100 mean F1 at eval size 512: \*\*([0-9.]+)\*\*")]
    private static partial Regex CardScore();
}
