using FaceParse.Nn;
using FaceParse.Tensors;

namespace FaceParse.Models.Backbones;

/// <summary>torchvision.ops.SqueezeExcitation: x · σ'(fc2(act(fc1(avgpool(x))))) with 1×1 convolutions <c>fc1</c>,
/// <c>fc2</c> (biased); act = ReLU and σ' = Hardsigmoid for MobileNetV3, SiLU and sigmoid for EfficientNet.</summary>
// x[N,C,H,W] -> [N,C,H,W]
public sealed class SqueezeExcitation : Module, IModule
{
    private readonly bool _mobileNet;

    public SqueezeExcitation(VarBuilder vb, int channels, int squeezeChannels, bool mobileNet)
    {
        _mobileNet = mobileNet;
        Fc1 = Child(vb, "fc1", v => new Conv2d(v, channels, squeezeChannels, 1));
        Fc2 = Child(vb, "fc2", v => new Conv2d(v, squeezeChannels, channels, 1));
    }

    /// <summary>ReLU/Hardsigmoid (MobileNetV3) rather than SiLU/sigmoid (EfficientNet).</summary>
    internal bool MobileNet => _mobileNet;

    public Conv2d Fc1 { get; }
    public Conv2d Fc2 { get; }

    public Tensor Forward(Tensor x)
    {
        var s = Fc1.Forward(x.AdaptiveAvgPool2d(1, 1)); // [N,C,1,1] -> [N,S,1,1]
        s = _mobileNet ? s.Relu() : s.Silu();
        s = Fc2.Forward(s);                              // [N,S,1,1] -> [N,C,1,1]
        s = _mobileNet ? s.HardSigmoid() : s.Sigmoid();
        return x.Mul(s);
    }
}
