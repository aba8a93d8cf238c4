using FaceParse.Nn;
using FaceParse.Tensors;
using Epilogue = FaceParse.Tensors.Kernels.Epilogue;

namespace FaceParse.Models.Backbones;

/// <summary>torchvision.ops.Conv2dNormActivation with BatchNorm2d: children <c>0</c> (Conv2d, no bias), <c>1</c>
/// (BatchNorm2d), then the activation (no parameters). Padding (k − 1)/2.</summary>
/// <remarks>In eval mode without autograd the batch norm is folded into the convolution's weight and bias and the
/// activation (and an optional residual) run in the convolution's epilogue; otherwise conv → BN → activation run as
/// separate differentiable ops (BN with batch statistics while training).</remarks>
// x[N,in,H,W] -> [N,out,⌊(H−1)/s⌋+1,⌊(W−1)/s⌋+1]
public sealed class ConvBnAct : Module, IModule
{
    public ConvBnAct(VarBuilder vb, int inChannels, int outChannels, int kernel, int stride = 1, int groups = 1,
        Epilogue activation = Epilogue.None, float eps = 1e-5f, float momentum = 0.1f)
    {
        Activation = activation;
        Conv = Child(vb, "0", v => new Conv2d(v, inChannels, outChannels, kernel, stride, (kernel - 1) / 2, groups: groups, bias: false));
        Bn = Child(vb, "1", v => new BatchNorm2d(v, outChannels, eps, momentum));
    }

    public Conv2d Conv { get; }
    public BatchNorm2d Bn { get; }
    public Epilogue Activation { get; }

    public Tensor Forward(Tensor x) => Forward(x, null);

    /// <summary>act(bn(conv(x))) + residual (the residual is added after the activation; use only with no activation).</summary>
    // x[N,in,H,W], residual[N,out,Ho,Wo]? -> [N,out,Ho,Wo]
    public Tensor Forward(Tensor x, Tensor? residual)
    {
        if (!Training && !(GradMode.Enabled && (x.RequiresGrad || Conv.Weight.RequiresGrad)))
        {
            var (w, b) = Folded();
            if (residual is not null && Activation != Epilogue.None) return Apply(x.Conv2d(w, b, null, Activation, Conv.Stride, Conv.Padding, groups: Conv.Groups)).Add(residual);
            return x.Conv2d(w, b, residual, Activation, Conv.Stride, Conv.Padding, groups: Conv.Groups);
        }
        var y = Apply(Bn.Forward(Conv.Forward(x)));
        return residual is null ? y : y.Add(residual);
    }

    // Activation outside a convolution epilogue (training path).
    private Tensor Apply(Tensor y) => Activation switch
    {
        Epilogue.Relu => y.Relu(),
        Epilogue.Gelu => y.Gelu(),
        Epilogue.Silu => y.Silu(),
        Epilogue.HardSwish => y.HardSwish(),
        _ => y,
    };

    private (Tensor Weight, Tensor Bias) Folded() => BatchNormFolding.Fold(Conv, Bn);
}

/// <summary>Batch norm folded into the preceding bias-free convolution (inference only).</summary>
internal static class BatchNormFolding
{
    // w'[o] = w[o]·γ/√(var+eps), b' = β − mean·γ/√(var+eps): conv(x, w', b') = bn(conv(x, w)) with running statistics.
    public static (Tensor Weight, Tensor Bias) Fold(Conv2d conv, BatchNorm2d bn)
    {
        int c = conv.OutChannels;
        var w = conv.Weight.Contiguous().Clone();
        var b = Tensor.Empty(c);
        var ws = w.Span;
        var bs = b.Span;
        ReadOnlySpan<float> mean = bn.RunningMean.Contiguous().Span, variance = bn.RunningVar.Contiguous().Span;
        ReadOnlySpan<float> gamma = bn.Weight!.Contiguous().Span, beta = bn.Bias!.Contiguous().Span;
        int per = ws.Length / c;
        for (int o = 0; o < c; o++)
        {
            float s = gamma[o] / MathF.Sqrt(variance[o] + bn.Eps);
            var row = ws.Slice(o * per, per);
            System.Numerics.Tensors.TensorPrimitives.Multiply(row, s, row);
            bs[o] = beta[o] - mean[o] * s;
        }
        return (w, b);
    }
}
