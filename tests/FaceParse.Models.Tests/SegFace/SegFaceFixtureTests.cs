using FaceParse.Models.SegFace;

namespace FaceParse.Models.Tests.SegFace;

/// <summary>The whole SegFace-mobilenet (CelebAMask-HQ, 19 tokens) against libtorch running the official SegFace/SAM
/// module definitions (fixture segface_mobilenet): key list in torch order, parameter count, logits and every
/// intermediate on the fixture input with formula weights (relative L2 ≤ 1e-4).</summary>
public sealed class SegFaceFixtureTests
{
    private const string Name = "segface_mobilenet";

    private static SegFaceConfig Config => new(SegFaceBackbone.MobileNetV3Large, SegFaceConfig.CelebAMaskTokens);

    [Fact]
    public void KeysShapesOrderAndParameterCountMatchTheOfficialModel()
    {
        var entries = TorchFixtures.Keys(Name);
        var model = new SegFaceModel(VarBuilder.Init(0), Config);
        var ours = model.StateDict().ToList();
        Assert.Equal(entries.Count, ours.Count);
        for (int i = 0; i < ours.Count; i++)
        {
            Assert.Equal(entries[i].Key, ours[i].Key);
            Assert.Equal(entries[i].Shape, ours[i].Value.Shape.ToArray());
        }
        Assert.Equal(TorchFixtures.Json(Name).GetProperty("parameters").GetInt64(), model.ParameterCount);
    }

    [Fact]
    public void LogitsAndIntermediatesMatchLibtorch()
    {
        var entries = TorchFixtures.Keys(Name);
        var outputs = TorchFixtures.Outputs(Name);
        var model = StateDicts.Build(TorchFixtures.FormulaWeights(entries), vb => new SegFaceModel(vb, Config), strict: false);
        model.Eval();
        var x = outputs["input"];
        Assert.Equal(TorchFixtures.Input([1, 3, 64, 48]).ToArray(), x.ToArray());
        using var _ = GradMode.NoGrad();
        var taps = model.Backbone.Taps(x);
        var check = new List<(string Name, Tensor Ours)>();
        for (int t = 0; t < 4; t++) check.Add(("tap" + t, taps[t]));
        var fused = FeatureFusion.Fuse(taps, model.LinearC, model.LinearFuse);
        check.Add(("fused", fused));
        var pe = model.PeLayer.Forward(fused.Dim(2), fused.Dim(3)).Unsqueeze(0);
        check.Add(("image_pe", pe));
        check.Add(("logits", model.Forward(x)));
        foreach (var (name, value) in check)
        {
            if (!outputs.TryGetValue(name, out var expected)) continue;
            var ours = expected.Rank != value.Rank ? value.Reshape([.. expected.Shape]) : value;
            double rel = TorchFixtures.RelativeL2(ours, expected);
            TestContext.Current.TestOutputHelper?.WriteLine($"{name}: relative L2 {rel:E3}");
            Assert.True(rel <= 1e-4, $"{name}: relative L2 {rel:E3} > 1e-4");
        }
        Assert.True(outputs.ContainsKey("logits"), "fixture has no logits");
    }
}
