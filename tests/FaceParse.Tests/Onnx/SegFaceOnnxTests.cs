using FaceParse.Export.Onnx;
using FaceParse.Inference;
using FaceParse.Labels;
using FaceParse.OnnxRuntime;
using FaceParse.Tensors;

namespace FaceParse.Tests.Onnx;

/// <summary>Exported SegFace graphs run by ONNX Runtime against our engine on the same input: a seeded model per backbone
/// at a small input (the big backbones at or near the smallest legal side, 32), with output sizes other than the
/// network's own (so the final bilinear Resize is exercised), rectangular and odd sizes (Swin's padded windows, odd patch
/// mergings, shifted-window masks). Pass: relative L2 of the logits ≤ 1e-4 and arg-max agreement ≥ 99.9 %.</summary>
public sealed class SegFaceOnnxTests
{
    private const double MaxRelativeL2 = 1e-4, MinAgreement = 0.999;

    [Theory]
    [InlineData("mobilenet", 64, 96, 80, 72)]   // rectangular, output resized (up and down)
    [InlineData("mobilenet", 64, 64, 64, 64)]   // the network's own size: no final Resize
    [InlineData("resnet101", 32, 32, 48, 48)]
    [InlineData("efficientnet", 32, 32, 40, 40)]
    [InlineData("convnext", 32, 32, 24, 24)]
    [InlineData("swin_b", 40, 32, 24, 36)]      // window 7: padded 14×14 windows with the shift mask; odd mergings (5×4 → 3×2 → 2×1)
    [InlineData("swin_v2_b", 64, 64, 50, 50)]   // window 8: 2×2 shifted windows at 16×16, one window at 8×8, padded below
    public void SeededModelMatchesOnnxRuntime(string backbone, int h, int w, int outH, int outW)
    {
        Ort.Require();
        var model = SegmentationModel.CreateNew("segface-" + backbone, LabelSets.CelebAMaskHq, Math.Max(h, w), seed: 11);
        var input = Tensor.FromArray(Ort.Random(new Random(5), 2L * 3 * h * w, 0.5f).Select(v => v + 0.5f).ToArray(), 2, 3, h, w);
        Tensor ours;
        using (GradMode.NoGrad()) ours = model.Forward(input, outH, outW);

        byte[] onnx = OnnxExport.ToBytes(model, new OnnxExportOptions(h, w, outH, outW));
        using var session = new OrtSession(onnx, threads: 2);
        var (theirs, shape) = session.Run(OnnxExport.InputName, input.ToArray(), [2, 3, h, w]);
        Assert.Equal([2L, model.Labels.Count, outH, outW], shape);
        Assert.All(theirs, v => Assert.True(float.IsFinite(v)));
        float[] expected = ours.Contiguous().ToArray();
        double rel = Ort.RelativeL2(theirs, expected);
        double agree = Ort.ArgMaxAgreement(theirs, expected, 2, model.Labels.Count, outH * outW);
        Assert.True(rel <= MaxRelativeL2, $"segface-{backbone} {w}×{h}→{outW}×{outH}: relative L2 {rel:E2} > {MaxRelativeL2:E0}");
        Assert.True(agree >= MinAgreement, $"segface-{backbone} {w}×{h}→{outW}×{outH}: arg-max agreement {agree:P3} < {MinAgreement:P1}");
        Assert.Equal(backbone, session.Metadata["faceparse.segface.backbone"]);
    }

    [Fact]
    public void AnOpsetWithoutLayerNormalizationIsRefusedNamingTheReason()
    {
        var model = SegmentationModel.CreateNew("segface-mobilenet", LabelSets.CelebAMaskHq, 32, seed: 1);
        var e = Assert.Throws<OnnxExportException>(() => OnnxExport.ToBytes(model, OnnxExportOptions.Square(32, 32, opset: 16)));
        Assert.Contains("LayerNormalization", e.Message);
        Assert.Contains("opset 17", e.Message);
    }

    [Theory]
    [InlineData(16, "got 16×16")]
    [InlineData(2050, "got 2050×2050")]
    public void InputSidesOutsideTheNetworksRangeAreRefused(int size, string named)
    {
        var model = SegmentationModel.CreateNew("segface-mobilenet", LabelSets.CelebAMaskHq, 32, seed: 1);
        var e = Assert.Throws<OnnxExportException>(() => OnnxExport.ToBytes(model, OnnxExportOptions.Square(size, 64)));
        Assert.Contains(named, e.Message);
    }

    [Fact]
    public void FaceParserOnTheOnnxRuntimeEngineGivesTheManagedLabels()
    {
        Ort.Require();
        var model = SegmentationModel.CreateNew("segface-mobilenet", LabelSets.CelebAMaskHq, 64, seed: 3);
        var photo = Inference.TinyModels.Photo(70, 58, seed: 2);
        using var engine = new OnnxRuntimeEngine(threads: 1);
        var managed = new FaceParser(model).Parse(photo, (70, 58));
        var ort = new FaceParser(model, new FaceParserOptions { Engine = engine }).Parse(photo, (70, 58));
        double agree = managed.LabelMap.Zip(ort.LabelMap).Count(p => p.First == p.Second) / (double)managed.LabelMap.Length;
        Assert.True(agree >= MinAgreement, $"labels agree on {agree:P2}");
        Assert.True(managed.LabelMap.Distinct().Count() > 1, "the seeded model gives more than one label (else agreement says little)");
    }
}
