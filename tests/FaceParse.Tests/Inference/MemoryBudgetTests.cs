using FaceParse.Imaging;
using FaceParse.Imaging.Geometry;
using FaceParse.Inference;

namespace FaceParse.Tests.Inference;

/// <summary>Bounded memory per image (issue 13, item 1): labels are decoded in row bands without a K×H×W tensor unless
/// probabilities or logits are asked for (the CLI test runs that under a small heap limit), and a parse whose estimate exceeds the per-image budget is refused up front.</summary>
public sealed class MemoryBudgetTests
{
    [Fact]
    public void BandedLabelsEqualTheLabelsOfTheFullLogits()
    {
        var model = TinyModels.Create(seed: 7);
        var photo = TinyModels.Photo(53, 41, seed: 4);
        var banded = new FaceParser(model).Parse(photo, (301, 157));
        var full = new FaceParser(model, new FaceParserOptions { KeepLogits = true }).Parse(photo, (301, 157));
        Assert.Equal(full.LabelMap, banded.LabelMap);
        Assert.Null(banded.Logits);
    }

    [Fact]
    public void AParseOverTheBudgetIsRefusedBeforeRunning()
    {
        var options = new FaceParserOptions { MemoryBudget = 128L << 20 };
        var parser = new FaceParser(TinyModels.Create(), options);
        var photo = TinyModels.Photo(20, 20);
        var e = Assert.Throws<MemoryBudgetException>(() => parser.Parse(photo, (16384, 16384)));
        Assert.Contains("memory budget", e.Message);
        Assert.True(e.NeededBytes > e.BudgetBytes);
        Assert.Equal(128L << 20, e.BudgetBytes);
        parser.Parse(photo, (256, 256)); // within the budget
        var keep = new FaceParser(TinyModels.Create(), options with { KeepLogits = true });
        Assert.Throws<MemoryBudgetException>(() => keep.Parse(photo, (2048, 2048))); // 11×2048²×4 bytes of logits alone
        Assert.True(FaceParserOptions.DefaultMemoryBudget >= 256L << 20);
        Assert.True(FaceParserOptions.DefaultMemoryBudget <= Math.Max(256L << 20, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FaceParser(TinyModels.Create(), new FaceParserOptions { MemoryBudget = 0 }));
    }

    [Fact]
    public void AutoModeCountsTheDetectedFaceRegionsAgainstTheBudget()
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "FaceParse.slnx"))) root = Path.GetDirectoryName(root)!;
        var sample = ImageCodec.Load(Path.Combine(root, "docs", "sample", "astronaut.png")).Image.ToChannels(3);
        var photo = Resize.Apply(sample, 1024, 1024, ResizeMode.Bilinear); // the face's aligned frame now covers ≈ 600² photo pixels
        var model = ModelRegistry.Load("default");
        var budget = 96L << 20; // the fixed parts (network at 256², 64 MiB of bands) fit; the face region's logits do not
        var e = Assert.Throws<MemoryBudgetException>(() => new FaceParser(model, new FaceParserOptions { MemoryBudget = budget }).Parse(photo));
        Assert.Contains("detected face", e.Message);
        Assert.True(e.NeededBytes > budget);
        var whole = new FaceParser(model, new FaceParserOptions { MemoryBudget = budget, Faces = FaceMode.Whole }).Parse(photo);
        Assert.Equal(1024 * 1024, whole.LabelMap.Length); // the whole-frame parse decodes in bands and fits the same budget
    }
}
