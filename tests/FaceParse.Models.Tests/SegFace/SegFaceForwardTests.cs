using FaceParse.Models.Backbones;
using FaceParse.Models.SegFace;

namespace FaceParse.Models.Tests.SegFace;

/// <summary>SegFace forward shapes for every backbone, the folded-BN inference path against the unfused one, and a
/// training step with the official loss (0.5·CE + 0.5·Dice) that learns a fixed batch.</summary>
public sealed class SegFaceForwardTests
{
    public static TheoryData<SegFaceBackbone> Backbones => new(Enum.GetValues<SegFaceBackbone>());

    [Theory]
    [MemberData(nameof(Backbones))]
    public void ForwardGivesFiniteLogitsAtInputResolution(SegFaceBackbone backbone)
    {
        var model = new SegFaceModel(VarBuilder.Init(1), new SegFaceConfig(backbone, SegFaceConfig.LapaTokens));
        model.Eval();
        var x = Tensor.Uniform(new Random(2), -1f, 1f, 1, 3, 64, 64);
        Tensor y;
        using (GradMode.NoGrad()) y = model.Forward(x);
        Assert.Equal([1, 11, 64, 64], y.Shape.ToArray());
        Assert.All(y.ToArray(), v => Assert.True(float.IsFinite(v)));
        var taps = model.Backbone.Taps(x);
        for (int i = 0; i < 4; i++)
            Assert.Equal([1, model.Backbone.TapChannels[i], 16 >> i, 16 >> i], taps[i].Shape.ToArray());
    }

    [Theory]
    [InlineData(SegFaceBackbone.MobileNetV3Large)]
    [InlineData(SegFaceBackbone.EfficientNetV2M)]
    [InlineData(SegFaceBackbone.ResNet101)]
    public void FoldedBatchNormEqualsUnfusedEval(SegFaceBackbone backbone)
    {
        var vb = VarBuilder.Init(3);
        var net = SegFaceConfig.CreateBackbone(vb, backbone);
        // non-trivial running statistics
        var rng = new Random(4);
        foreach (var (k, t) in net.StateDict())
            if (k.EndsWith("running_mean", StringComparison.Ordinal)) Tensor.Uniform(rng, -0.1f, 0.1f, t.Shape.ToArray()).Span.CopyTo(t.Span);
            else if (k.EndsWith("running_var", StringComparison.Ordinal)) Tensor.Uniform(rng, 0.5f, 1.5f, t.Shape.ToArray()).Span.CopyTo(t.Span);
        net.Eval();
        var x = Tensor.Uniform(new Random(5), -1f, 1f, 1, 3, 64, 48);
        Tensor[] folded;
        using (GradMode.NoGrad()) folded = ((IBackbone)net).Taps(x);
        x.RequiresGrad = true; // forces the unfused conv → BN → activation path
        var unfused = ((IBackbone)net).Taps(x);
        for (int i = 0; i < 4; i++)
            Assert.True(TorchFixtures.RelativeL2(folded[i], unfused[i]) < 1e-5, $"tap {i}");
    }

    [Fact]
    public void TrainingStepsWithCeAndDiceFitAFixedBatch()
    {
        var model = new SegFaceModel(VarBuilder.Init(7), new SegFaceConfig(SegFaceBackbone.MobileNetV3Large, SegFaceConfig.LapaTokens));
        model.Train();
        var x = Tensor.Uniform(new Random(8), -1f, 1f, 2, 3, 32, 32);
        var labels = new int[2 * 32 * 32];
        for (int i = 0; i < labels.Length; i++) labels[i] = (i % 32) / 8 + ((i / 32) % 32 >= 16 ? 4 : 0); // 8 blocks
        var target = new IntTensor(labels, 2, 32, 32);
        var opt = new FaceParse.Nn.Optimizers.AdamW([FaceParse.Nn.Optimizers.ParamGroup.Of(model)], lr: 1e-3, weightDecay: 1e-5);
        float first = 0, last = 0;
        for (int step = 0; step < 12; step++)
        {
            var logits = model.Forward(x);
            var loss = Tensor.CrossEntropy(logits, target).Mul(0.5f).Add(Tensor.DiceLoss(logits, target, squaredSums: true).Mul(0.5f));
            model.ZeroGrad();
            loss.Backward();
            if (step == 0)
            {
                first = loss.ToScalar();
                Assert.All(model.NamedParameters(), p => Assert.True(p.Value.Grad is not null, $"{p.Key} got no gradient"));
            }
            last = loss.ToScalar();
            opt.Step();
        }
        Assert.True(last < 0.8f * first, $"loss {first} -> {last}");
    }
}
