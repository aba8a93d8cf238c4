using FaceParse.Architectures.FpLiif;
using FaceParse.Export.Onnx;
using FaceParse.Imaging;
using FaceParse.Inference;
using FaceParse.Models.FpLiif;
using FaceParse.Nn;
using FaceParse.OnnxRuntime;
using FaceParse.Tensors;

namespace FaceParse.Tests.Onnx;

/// <summary>Exported FP-LIIF graphs run by ONNX Runtime against our engine on the same input: the shipped model on real
/// validation photos at two output sizes, and seeded models of every sampling mode, positional encoding and residual form.
/// Pass: relative L2 of the logits ≤ 1e-4 and arg-max agreement ≥ 99.9 %.</summary>
public sealed class FpLiifOnnxTests
{
    private const double MaxRelativeL2 = 1e-4, MinAgreement = 0.999;

    [Theory]
    [InlineData(512)]
    [InlineData(173)]
    public void ShippedModelMatchesOnnxRuntimeOnValidationPhotos(int outSize)
    {
        Ort.Require();
        string root = SharedData.PathOf("celebamask-hq-mini1000");
        var model = ModelRegistry.Load(ModelRegistry.DefaultModelName);
        var names = File.ReadLines(Path.Combine(root, "split_val100.txt")).Where(l => l.Length > 0).Take(2).ToList();
        var photos = names.Select(n => FaceParser.PrepareInput(ImageCodec.Load(Path.Combine(root, "images", n + ".jpg")).Image.ToChannels(3), model.InputSize)).ToList();
        var input = Tensor.Concat(photos, 0); // [2, 3, S, S]: the batch dimension is symbolic in the graph

        Tensor ours;
        using (GradMode.NoGrad()) ours = model.Forward(input, outSize, outSize);
        using var engine = new OnnxRuntimeEngine(threads: 2);
        var theirs = engine.Forward(model, input, outSize, outSize);
        Assert.Equal(ours.Shape, theirs.Shape);
        AssertAgree(ours.Contiguous().ToArray(), theirs.ToArray(), 2, model.Labels.Count, outSize * outSize, $"shipped model 2×{model.InputSize}→{outSize}");
    }

    public static TheoryData<string> Variants() => ["bilinear", "nearest", "ensemble", "sinusoidal-ensemble", "scaled-no-group-conv", "odd-size"];

    [Theory]
    [MemberData(nameof(Variants))]
    public void SeededModelMatchesOnnxRuntime(string variant)
    {
        Ort.Require();
        var config = FpLiifConfigs.Tiny with { NumClasses = 5 };
        (int h, int w, int outH, int outW) = (40, 40, 56, 56);
        config = variant switch
        {
            "bilinear" => config,
            "nearest" => config with { Upsampling = FpLiifUpsampling.Nearest },
            "ensemble" => config with { Upsampling = FpLiifUpsampling.LocalEnsemble },
            "sinusoidal-ensemble" => config with { Upsampling = FpLiifUpsampling.LocalEnsemble, PositionalEncoding = FpLiifPositionalEncoding.Sinusoidal, SinusoidalFrequencies = 3 },
            "scaled-no-group-conv" => config with { ResidualScale = 0.5f, GroupResidualConv = false },
            "odd-size" => config,
            _ => throw new ArgumentException(variant),
        };
        if (variant == "odd-size") (h, w, outH, outW) = (37, 29, 23, 61);
        var model = new FpLiif(VarBuilder.Init(7), config);
        var input = Tensor.FromArray(Ort.Random(new Random(3), 2 * 3 * h * w, 0.5f).Select(v => v + 0.5f).ToArray(), 2, 3, h, w);

        Tensor ours;
        using (GradMode.NoGrad()) ours = model.Forward(input, outH, outW);
        var graph = new OnnxGraph();
        string image = graph.Input("image", "N", 3, h, w);
        var network = new FpLiifOnnxExporter().Build(graph, model, image, new OnnxExportSize(h, w, outH, outW));
        graph.Output(network.Logits, "logits", "N", config.NumClasses, outH, outW);
        Assert.Subset(OnnxOps.Supported.ToHashSet(), graph.OpTypes.ToHashSet());
        using var session = new OrtSession(OnnxModelWriter.ToBytes(graph, [], "test", ""), threads: 1);
        var (theirs, shape) = session.Run("image", input.ToArray(), [2, 3, h, w]);
        Assert.Equal([2L, config.NumClasses, outH, outW], shape);
        AssertAgree(ours.Contiguous().ToArray(), theirs, 2, config.NumClasses, outH * outW, variant);
    }

    [Fact]
    public void ExportedFileCarriesLabelsPaletteNormalisationAndName()
    {
        Ort.Require();
        var model = TestModels();
        using var session = new OrtSession(OnnxExport.ToBytes(model, OnnxExportOptions.Square(32, 24)));
        var meta = session.Metadata;
        Assert.Equal(model.Name, meta["faceparse.model"]);
        Assert.Equal("fp-liif", meta["faceparse.architecture"]);
        Assert.Contains("\"background\"", meta["faceparse.label_names"]);
        Assert.StartsWith("[[", meta["faceparse.palette"]);
        Assert.Contains("mean = [0.485, 0.456, 0.406]", meta["faceparse.normalisation"]);
    }

    [Fact]
    public void FaceParserOnTheOnnxRuntimeEngineGivesTheManagedLabels()
    {
        Ort.Require();
        var model = TestModels();
        var photo = Inference.TinyModels.Photo(45, 38, seed: 2);
        using var engine = new OnnxRuntimeEngine(threads: 1);
        var managed = new FaceParser(model).Parse(photo, (50, 40));
        var ort = new FaceParser(model, new FaceParserOptions { Engine = engine, KeepLogits = true }).Parse(photo, (50, 40));
        Assert.Equal((50, 40), (ort.Width, ort.Height));
        double agree = managed.LabelMap.Zip(ort.LabelMap).Count(p => p.First == p.Second) / (double)managed.LabelMap.Length;
        Assert.True(agree >= MinAgreement, $"labels agree on {agree:P2}");
        Assert.NotNull(ort.Logits);
    }

    private static SegmentationModel TestModels() => Inference.TinyModels.Create();

    private static void AssertAgree(float[] ours, float[] theirs, int n, int k, int plane, string what)
    {
        Assert.All(theirs, v => Assert.True(float.IsFinite(v)));
        double rel = Ort.RelativeL2(theirs, ours);
        double agree = Ort.ArgMaxAgreement(theirs, ours, n, k, plane);
        Assert.True(rel <= MaxRelativeL2, $"{what}: relative L2 {rel:E2} > {MaxRelativeL2:E0}");
        Assert.True(agree >= MinAgreement, $"{what}: arg-max agreement {agree:P3} < {MinAgreement:P1}");
    }
}
