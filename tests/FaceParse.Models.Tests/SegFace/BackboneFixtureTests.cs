using FaceParse.Models.Backbones;

namespace FaceParse.Models.Tests.SegFace;

/// <summary>Our backbones against torchvision's own models run by libtorch 2.10 (TorchVision for .NET 0.107): the
/// state-dict key list with shapes and order, the parameter count, and the four taps on the fixture input with the
/// fixture's formula weights (relative L2 ≤ 1e-4 per tap).</summary>
public sealed class BackboneFixtureTests
{
    public static TheoryData<string> Names => ["mobilenet_v3_large", "resnet101", "efficientnet_v2_m", "convnext_base", "swin_b", "swin_v2_b"];

    private static Module Create(string name, VarBuilder vb) => name switch
    {
        "mobilenet_v3_large" => new MobileNetV3Large(vb),
        "resnet101" => new ResNet101(vb),
        "efficientnet_v2_m" => new EfficientNetV2M(vb),
        "convnext_base" => new ConvNeXtBase(vb),
        "swin_b" => new SwinTransformer(vb, v2: false),
        "swin_v2_b" => new SwinTransformer(vb, v2: true),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void KeysShapesAndOrderMatchTorchvision(string name)
    {
        var entries = TorchFixtures.Keys(name);
        var model = Create(name, VarBuilder.Init(0));
        var ours = model.StateDict().Select(kv => (kv.Key, Shape: kv.Value.Shape.ToArray())).ToList();
        var mapped = entries.Select(e => (Key: ((IBackbone)model).FromTorchvisionKey(e.Key), e.Shape)).Where(e => e.Key is not null).ToList();
        Assert.Equal(mapped.Count, ours.Count);
        for (int i = 0; i < ours.Count; i++)
        {
            Assert.Equal(mapped[i].Key, ours[i].Key);
            Assert.Equal(mapped[i].Shape, ours[i].Shape);
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void TapsMatchLibtorchWithFormulaWeights(string name)
    {
        var entries = TorchFixtures.Keys(name);
        var outputs = TorchFixtures.Outputs(name);
        var weights = TorchFixtures.FormulaWeights(entries);
        var probe = (IBackbone)Create(name, VarBuilder.Init(0));
        var ours = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, t) in weights)
            if (probe.FromTorchvisionKey(key) is { } k) ours[k] = t;
        var model = StateDicts.Build(ours, vb => Create(name, vb), strict: false);
        model.Eval();
        var input = outputs["input"];
        Assert.Equal(TorchFixtures.Input([1, 3, 64, 48]).ToArray(), input.ToArray());
        Tensor[] taps;
        using (GradMode.NoGrad()) taps = ((IBackbone)model).Taps(input);
        for (int t = 0; t < 4; t++)
        {
            double rel = TorchFixtures.RelativeL2(taps[t], outputs["tap" + t]);
            TestContext.Current.TestOutputHelper?.WriteLine($"{name} tap{t}: relative L2 {rel:E3}");
            Assert.True(rel <= 1e-4, $"{name} tap{t}: relative L2 {rel:E3} > 1e-4");
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void ParameterCountMatchesTorchvisionMinusClassifier(string name)
    {
        var json = TorchFixtures.Json(name);
        long torchParams = json.GetProperty("parameters").GetInt64();
        long classifier = TorchFixtures.Keys(name).Where(e => e.Key.StartsWith(name switch { "resnet101" => "fc.", "swin_b" or "swin_v2_b" => "head.", _ => "classifier." }, StringComparison.Ordinal))
            .Sum(e => e.Shape.Aggregate(1L, (a, b) => a * b));
        Assert.Equal(torchParams - classifier, Create(name, VarBuilder.Init(0)).ParameterCount);
    }
}
