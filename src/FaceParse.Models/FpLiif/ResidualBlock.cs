using FaceParse.Nn;
using FaceParse.Tensors;
using Epilogue = FaceParse.Tensors.Kernels.Epilogue;

namespace FaceParse.Models.FpLiif;

/// <summary>EDSR residual block without normalisation: x + scale·conv2(relu(conv1(x))), both convs 3×3, padding 1.</summary>
// x [N, C, H, W] → [N, C, H, W]
public sealed class ResidualBlock : Module, IModule
{
    private readonly float _scale;

    public ResidualBlock(VarBuilder vb, int channels, float residualScale)
    {
        _scale = residualScale;
        Conv1 = Child(vb, "conv1", v => new Conv2d(v, channels, channels, 3, padding: 1)); // [N,C,H,W] → [N,C,H,W]
        Conv2 = Child(vb, "conv2", v => new Conv2d(v, channels, channels, 3, padding: 1)); // [N,C,H,W] → [N,C,H,W]
    }

    public Conv2d Conv1 { get; }
    public Conv2d Conv2 { get; }

    // x [N, C, H, W] → [N, C, H, W]; at scale 1 the ReLU and the identity add run in the conv epilogues.
    public Tensor Forward(Tensor x)
    {
        var h = x.Conv2d(Conv1.Weight, Conv1.Bias, null, Epilogue.Relu, padding: 1);
        if (_scale == 1f) return h.Conv2d(Conv2.Weight, Conv2.Bias, x, Epilogue.None, padding: 1);
        return x.Add(Conv2.Forward(h).Mul(_scale));
    }
}
