using System.Text.Json.Nodes;
using FaceParse.Architectures;
using FaceParse.Architectures.FpLiif;
using FaceParse.Evaluation;
using FaceParse.Inference;
using FaceParse.Labels;
using FaceParse.Nn;
using FaceParse.Tensors;
using FaceParse.Tests.Inference;
using FaceParse.Tests.Training;
using FaceParse.Training;

namespace FaceParse.Tests.Architectures;

/// <summary>The architecture table: FP-LIIF is one entry, and a second architecture registered from this test assembly is
/// built, saved, loaded, parsed with, trained, evaluated and benchmarked with no FP-LIIF code involved.</summary>
public sealed class ArchitectureRegistryTests : IDisposable
{
    private static readonly TinyConvArchitecture Tiny = TinyConvArchitecture.Registered();
    private readonly string _dir = Directory.CreateTempSubdirectory("faceparse-arch-").FullName;

    public ArchitectureRegistryTests() => TinyConvArchitecture.Registered();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void TheTableHoldsFpLiifAndTheRegisteredArchitecture()
    {
        Assert.IsType<FpLiifArchitecture>(ArchitectureRegistry.Get("fp-liif"));
        Assert.Same(Tiny, ArchitectureRegistry.Get("TEST-tiny-conv"));
        Assert.Equal((Tiny, "test-tiny-conv-4"), ArchitectureRegistry.FindPreset("Test-Tiny-Conv-4")!.Value);
        Assert.Equal("fp-liif", ArchitectureRegistry.GetPreset("fp-liif-small").Architecture.Name);
        Assert.Contains("test-tiny-conv", SegmentationModel.Architectures);
        Assert.Equal(typeof(TinyConvConfig), Tiny.ConfigType);
        Assert.Contains("fp-liif-tiny", Assert.Throws<ArgumentException>(() => ArchitectureRegistry.GetPreset("unet-9")).Message);
        Assert.Contains("test-tiny-conv", Assert.Throws<InvalidDataException>(() => ArchitectureRegistry.Get("unet")).Message);
        TinyConvArchitecture.Registered(); // the same instance again: nothing happens
        Assert.Single(ArchitectureRegistry.All, a => a.Name == "test-tiny-conv");
    }

    [Fact]
    public void ClashingNamesAndPresetsAreRefused()
    {
        Assert.Contains("already registered", Assert.Throws<ArgumentException>(() => ArchitectureRegistry.Register(new TinyConvArchitecture())).Message);
        Assert.Contains("fp-liif-small", Assert.Throws<ArgumentException>(() => ArchitectureRegistry.Register(new ClashingArchitecture())).Message);
        Assert.Null(ArchitectureRegistry.Find("test-clash"));
    }

    [Fact]
    public void ModelsOfTheSecondArchitectureSaveLoadAndParse()
    {
        var model = SegmentationModel.CreateNew("test-tiny-conv-8", LabelSets.LaPa, 24, seed: 2);
        Assert.Same(Tiny, model.Architecture);
        Assert.Equal("test-tiny-conv", model.Description.Architecture);
        Assert.Equal(8, JsonNode.Parse(model.Description.ConfigJson)!["hidden"]!.GetValue<int>());
        Assert.Equal(3 * 8 * 9 + 8 + 8 * 11 + 11, model.ParameterCount);
        string path = Path.Combine(_dir, "tiny-conv.safetensors");
        model.Save(path);
        var loaded = SegmentationModel.Load(path);
        var x = Tensor.Uniform(new Random(4), 0f, 1f, 1, 3, 24, 24);
        using (GradMode.NoGrad()) Assert.Equal(model.Forward(x, 30, 20).ToArray(), loaded.Forward(x, 30, 20).ToArray());

        var parser = new FaceParser(loaded, new FaceParserOptions { KeepLogits = true });
        var photo = TinyModels.Photo(37, 29);
        var result = parser.Parse(photo);
        using (GradMode.NoGrad())
        {
            var expected = loaded.Forward(FaceParser.PrepareInput(photo, 24), 29, 37);
            Assert.Equal(expected.ToArray(), result.Logits!.ToArray());
            Assert.Equal(expected.ArgMax(1).Data.Select(v => (byte)v), result.LabelMap);
        }
        Assert.Equal(ParserLabels(loaded, photo, 29, 37), Evaluator.Predict(loaded, photo, 24, 29, 37));
    }

    private static byte[] ParserLabels(SegmentationModel model, FaceParse.Imaging.Image photo, int h, int w) =>
        new FaceParser(model).Parse(photo, (w, h)).LabelMap;

    [Fact]
    public void BadConfigurationsAreInvalidData()
    {
        var good = SegmentationModel.CreateNew("test-tiny-conv-4", LabelSets.LaPa, 24, seed: 1);
        var weights = good.Module.StateDict();
        var d = good.Description;
        Assert.Contains("Invalid test-tiny-conv configuration", Assert.Throws<InvalidDataException>(() =>
            SegmentationModel.Create(d with { ConfigJson = """{"name":"x","hidden":0,"num_classes":11}""" }, weights)).Message);
        Assert.Contains("Unreadable test-tiny-conv configuration", Assert.Throws<InvalidDataException>(() =>
            SegmentationModel.Create(d with { ConfigJson = "{not json" }, weights)).Message);
        var misfit = Assert.Throws<InvalidDataException>(() =>
            SegmentationModel.Create(d with { ConfigJson = """{"name":"x","hidden":5,"num_classes":11}""" }, weights)).Message;
        Assert.Contains("Model 'test-tiny-conv-4-lapa'", misfit);
        Assert.Contains("conv.weight", misfit);
        Assert.Contains("label set 'celebamask-hq' has 19", Assert.Throws<InvalidDataException>(() =>
            SegmentationModel.Create(d with { Labels = LabelSets.CelebAMaskHq.Name, LabelsVersion = LabelSets.CelebAMaskHq.Version }, weights)).Message);
    }

    /// <summary>The default ForwardAt samples the input-size logits: pixel centres give them back, and the point halfway between
    /// two centres of a row gives their mean (bilinear, align_corners=False, (x, y) order).</summary>
    [Fact]
    public void DefaultForwardAtSamplesTheLogitGrid()
    {
        var model = SegmentationModel.CreateNew("test-tiny-conv-4", LabelSets.LaPa, 24, seed: 3);
        var x = Tensor.Uniform(new Random(5), 0f, 1f, 1, 3, 6, 10);
        using var noGrad = GradMode.NoGrad();
        var grid = model.Forward(x, 6, 10).ToArray(); // [1, 11, 6, 10]
        var coords = new float[6 * 10 * 2];
        for (int r = 0; r < 6; r++)
            for (int c = 0; c < 10; c++) (coords[(r * 10 + c) * 2], coords[(r * 10 + c) * 2 + 1]) = (-1f + (2f * c + 1f) / 10, -1f + (2f * r + 1f) / 6);
        var sampled = model.ForwardAt(x, Tensor.FromArray(coords, 1, 6, 10, 2)).ToArray();
        for (int i = 0; i < grid.Length; i++) Assert.True(MathF.Abs(grid[i] - sampled[i]) <= 1e-5f, $"{i}: {grid[i]} vs {sampled[i]}");
        // row 2, halfway between columns 3 and 4: x = −1 + 8/10, y = −1 + 5/6
        var half = model.ForwardAt(x, Tensor.FromArray([-1f + 8f / 10, -1f + 5f / 6], 1, 1, 1, 2)).ToArray();
        for (int k = 0; k < 11; k++)
        {
            float expected = (grid[k * 60 + 2 * 10 + 3] + grid[k * 60 + 2 * 10 + 4]) / 2;
            Assert.True(MathF.Abs(expected - half[k]) <= 1e-5f, $"class {k}: {half[k]} vs {expected}");
        }
    }

    [Fact]
    public void TrainingOptionsTakeTheArchitecturesRecipeUnlessOverridden()
    {
        var options = new TrainOptions { Model = "test-tiny-conv-4" };
        Assert.Equal(Tiny.DefaultRecipe, options.Recipe());
        Assert.Equal(24, options.EffectiveSize());
        Assert.Equal(0.5, (options with { Lr = 0.5 }).Recipe().Lr);
        Assert.Equal(LrScheduleKind.Cosine, (options with { Schedule = LrScheduleKind.Cosine }).Recipe().Schedule);
        // FP-LIIF's defaults resolve to exactly the values runs used to state, so their checkpoints still resume.
        var fp = new TrainOptions { Model = "fp-liif-tiny" };
        Assert.Equal(fp.ConfigJson(), (fp with { Size = 256, Lr = 1e-3, WeightDecay = 1e-4, Schedule = LrScheduleKind.Cosine, WarmupEpochs = 1, ClipNorm = 1.0, Gamma = 0.1 }).ConfigJson());
        Assert.NotEqual(fp.ConfigJson(), (fp with { Lr = 2e-3 }).ConfigJson());
    }

    /// <summary>Train (the architecture's own loss and recipe), evaluate and benchmark a model of the test architecture.</summary>
    [Fact]
    public void TrainEvaluateAndBenchmarkGoThroughTheArchitecture()
    {
        using var data = new SyntheticFaceSet(count: 8, size: 24, classes: TrainerTests.Ids(LabelSets.CelebAMaskHq, "background", "skin", "nose", "hair"), valCount: 4);
        var options = new TrainOptions
        {
            Model = "test-tiny-conv-4", Data = data.Root, Layout = "folder", Labels = "celebamask-hq", SplitTrain = data.TrainSplit,
            SplitVal = data.ValSplit, EvalSize = 24, Epochs = 3, BatchSize = 2, Workers = 1, Seed = 1, Out = data.NewRunDir("tiny-conv"),
            Augment = AugmentOptions.None,
        };
        var result = new Trainer(options).Run(TestContext.Current.CancellationToken);
        Assert.Equal(3, result.EpochsCompleted);
        Assert.Equal(6, result.GlobalStep);
        var trained = SegmentationModel.Load(result.ModelPath!);
        Assert.Equal("test-tiny-conv", trained.Description.Architecture);
        Assert.Equal(24, trained.InputSize); // the architecture's default input size
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(options.Out, "train.json")))!;
        Assert.Equal(0.02, json["lr"]!.GetValue<double>()); // the architecture's recipe, recorded resolved
        Assert.Equal("multi_step", json["schedule"]!.GetValue<string>());
        var rows = new TrainingLog(options.Out).Rows;
        Assert.True(rows[^1].TrainLoss < rows[0].TrainLoss, $"loss {rows[0].TrainLoss} → {rows[^1].TrainLoss}");

        var val = FaceParse.Data.DatasetLayouts.Open("folder", data.Root, LabelSets.CelebAMaskHq, data.ValSplit, "val");
        var report = Evaluator.Evaluate(trained, val, evalSize: 24, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(4, report.Images);
        Assert.Equal(result.BestMetric!.Value, report.MeanF1, 6);

        var bench = ModelBenchmark.Run(trained, new ModelBenchmarkOptions(24, 24, Repeats: 1) { Warmup = 0, TrainSteps = 1, TrainBatch = 2 });
        Assert.True(bench.TrainImagesPerSecond > 0);
        Assert.True(bench.MedianMs > 0);
    }

    private sealed class ClashingArchitecture : Architecture<TinyConvConfig>
    {
        public override string Name => "test-clash";
        public override IReadOnlyList<string> Presets { get; } = ["fp-liif-small"];
        public override int DefaultInputSize => 8;
        public override TrainingRecipe DefaultRecipe { get; } = new(1e-3, 0, LrScheduleKind.Cosine, 0, 0);
        public override TinyConvConfig Preset(string preset, int numClasses) => new() { Name = preset, NumClasses = numClasses };
        public override void Validate(TinyConvConfig config) { }
        public override int NumClasses(TinyConvConfig config) => config.NumClasses;
        public override ParsingNetwork Build(VarBuilder vb, TinyConvConfig config) => throw new NotSupportedException();
    }
}
