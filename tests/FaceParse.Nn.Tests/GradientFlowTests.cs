using FaceParse.Tensors;
using FaceParse.Tensors.Tests;

namespace FaceParse.Nn.Tests;

/// <summary>Gradients through a composed model (Conv2d → LayerNorm2d → GELU → ConvTranspose2d → Linear on NHWC)
/// against central finite differences, on parameters of every layer and on the input.</summary>
public sealed class GradientFlowTests
{
    // x [1, 2, 4, 4] → [1, 8, 8, 2]
    private sealed class Composed : Module, IModule
    {
        public Composed(VarBuilder vb)
        {
            Conv = Child(vb, "conv", v => new Conv2d(v, 2, 4, 3, padding: 1));
            Norm = Child(vb, "norm", v => new LayerNorm2d(v, 4));
            Up = Child(vb, "up", v => new ConvTranspose2d(v, 4, 3, 2, stride: 2));
            Proj = Child(vb, "proj", v => new Linear(v, 3, 2));
        }

        public Conv2d Conv { get; }
        public LayerNorm2d Norm { get; }
        public ConvTranspose2d Up { get; }
        public Linear Proj { get; }

        public Tensor Forward(Tensor x) => Proj.Forward(Up.Forward(Norm.Forward(Conv.Forward(x)).Gelu()).Permute(0, 2, 3, 1));
    }

    [Fact]
    public void EveryLayerReceivesFiniteDifferenceGradients()
    {
        var model = new Composed(VarBuilder.Init(4));
        // Non-trivial norm affine parameters so their gradients are not the degenerate ones/zeros case.
        Tensor.Uniform(new Random(8), 0.5f, 1.5f, 4).Span.CopyTo(model.Norm.Weight.Span);
        Tensor.Uniform(new Random(9), -0.5f, 0.5f, 4).Span.CopyTo(model.Norm.Bias.Span);
        var x = OpCheck.Input(new Random(3), [1, 2, 4, 4]);
        Tensor[] inputs = [x, model.Conv.Weight, model.Conv.Bias!, model.Norm.Weight, model.Norm.Bias, model.Up.Weight, model.Up.Bias!, model.Proj.Weight];
        OpCheck.Gradients(_ => model.Forward(x), inputs, eps: 1e-2f, atol: 3e-3f, rtol: 3e-2f, maxProbes: 12);

        model.ZeroGrad();
        model.Forward(x).Sum().Backward();
        foreach (var (key, p) in model.NamedParameters())
            Assert.True(p.Grad is not null && p.Grad.ToArray().Any(g => g != 0f), $"{key} received no gradient.");
    }
}
