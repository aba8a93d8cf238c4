using FaceParse.Tensors;

namespace FaceParse.Nn;

/// <summary>What Conv2d and ConvTranspose2d share (torch's _ConvNd): geometry, a kaiming_uniform(a=√5) <c>weight</c> and
/// an optional <c>bias [out]</c> drawn from U(±1/√fan_in), where torch takes fan_in from the weight's dim 1 times the
/// kernel area (in/groups·kh·kw for a convolution, out/groups·kh·kw for a transposed one).</summary>
public abstract class ConvLayer : Module, IModule
{
    private protected ConvLayer(VarBuilder vb, string layer, bool transposed, int inChannels, int outChannels, Size2D kernelSize,
        Size2D? stride, Size2D? padding, Size2D? dilation, int groups, bool bias)
    {
        ArgumentNullException.ThrowIfNull(vb);
        LayerChecks.RequirePositive(layer, (nameof(inChannels), inChannels), (nameof(outChannels), outChannels),
            ("kernelSize.H", kernelSize.H), ("kernelSize.W", kernelSize.W), (nameof(groups), groups));
        LayerChecks.RequireDivisible(layer, nameof(inChannels), inChannels, nameof(groups), groups);
        LayerChecks.RequireDivisible(layer, nameof(outChannels), outChannels, nameof(groups), groups);
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = stride ?? 1;
        Padding = padding ?? 0;
        Dilation = dilation ?? 1;
        Groups = groups;
        int[] shape = transposed
            ? [inChannels, outChannels / groups, kernelSize.H, kernelSize.W]
            : [outChannels, inChannels / groups, kernelSize.H, kernelSize.W];
        Weight = Param(vb, "weight", shape, Init.TorchDefault);
        Bias = bias ? Param(vb, "bias", [outChannels], Init.TorchBias(shape[1] * kernelSize.H * kernelSize.W)) : null;
    }

    public int InChannels { get; }
    public int OutChannels { get; }
    public Size2D KernelSize { get; }
    public Size2D Stride { get; }
    public Size2D Padding { get; }
    public Size2D Dilation { get; }
    public int Groups { get; }
    public Tensor Weight { get; }
    public Tensor? Bias { get; }

    public abstract Tensor Forward(Tensor x);
}

/// <summary>torch.nn.Conv2d with zero padding: <c>weight [out, in/groups, kh, kw]</c>, optional <c>bias [out]</c>.</summary>
// x [N, in, H, W] → [N, out, ⌊(H + 2p − d(k − 1) − 1)/s⌋ + 1, ⌊(W + …)/s⌋ + 1]
public sealed class Conv2d(VarBuilder vb, int inChannels, int outChannels, Size2D kernelSize, Size2D? stride = null, Size2D? padding = null,
    Size2D? dilation = null, int groups = 1, bool bias = true)
    : ConvLayer(vb, "Conv2d", false, inChannels, outChannels, kernelSize, stride, padding, dilation, groups, bias)
{
    public override Tensor Forward(Tensor x) => x.Conv2d(Weight, Bias, Stride, Padding, Dilation, Groups);
}

/// <summary>torch.nn.ConvTranspose2d with zero padding: <c>weight [in, out/groups, kh, kw]</c>, optional <c>bias [out]</c>.</summary>
// x [N, in, H, W] → [N, out, (H − 1)s − 2p + d(k − 1) + outputPadding + 1, (W − 1)s − …]
public sealed class ConvTranspose2d(VarBuilder vb, int inChannels, int outChannels, Size2D kernelSize, Size2D? stride = null, Size2D? padding = null,
    Size2D? outputPadding = null, int groups = 1, bool bias = true, Size2D? dilation = null)
    : ConvLayer(vb, "ConvTranspose2d", true, inChannels, outChannels, kernelSize, stride, padding, dilation, groups, bias)
{
    public Size2D OutputPadding { get; } = outputPadding ?? 0;

    public override Tensor Forward(Tensor x) => x.ConvTranspose2d(Weight, Bias, Stride, Padding, OutputPadding, Groups, Dilation);
}
