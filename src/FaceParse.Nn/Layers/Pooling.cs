using FaceParse.Tensors;

namespace FaceParse.Nn;

/// <summary>torch.nn.MaxPool2d (stride defaults to the kernel size; implicit padding is −∞).</summary>
// x [N, C, H, W] → [N, C, ⌊(H + 2p − d(k − 1) − 1)/s⌋ + 1 (⌈⌉ with ceilMode), …]
public sealed class MaxPool2d(Size2D kernelSize, Size2D? stride = null, Size2D? padding = null, Size2D? dilation = null, bool ceilMode = false)
    : Module, IModule
{
    public Size2D KernelSize { get; } = kernelSize;
    public Size2D Stride { get; } = stride ?? kernelSize;
    public Size2D Padding { get; } = padding ?? 0;
    public Size2D Dilation { get; } = dilation ?? 1;
    public bool CeilMode { get; } = ceilMode;

    public Tensor Forward(Tensor x) => x.MaxPool2d(KernelSize, Stride, Padding, Dilation, CeilMode);
}

/// <summary>torch.nn.AvgPool2d (stride defaults to the kernel size; zero padding counted unless
/// <paramref name="countIncludePad"/> is false).</summary>
// x [N, C, H, W] → [N, C, ⌊(H + 2p − k)/s⌋ + 1 (⌈⌉ with ceilMode), …]
public sealed class AvgPool2d(Size2D kernelSize, Size2D? stride = null, Size2D? padding = null, bool ceilMode = false, bool countIncludePad = true)
    : Module, IModule
{
    public Size2D KernelSize { get; } = kernelSize;
    public Size2D Stride { get; } = stride ?? kernelSize;
    public Size2D Padding { get; } = padding ?? 0;
    public bool CeilMode { get; } = ceilMode;
    public bool CountIncludePad { get; } = countIncludePad;

    public Tensor Forward(Tensor x) => x.AvgPool2d(KernelSize, Stride, Padding, CeilMode, CountIncludePad);
}

/// <summary>torch.nn.AdaptiveAvgPool2d: averages over the adaptive bins ⌊i·H/out⌋ … ⌈(i+1)·H/out⌉.</summary>
// x [N, C, H, W] → [N, C, outH, outW]
public sealed class AdaptiveAvgPool2d(Size2D outputSize) : Module, IModule
{
    public Size2D OutputSize { get; } = outputSize;

    public Tensor Forward(Tensor x) => x.AdaptiveAvgPool2d(OutputSize.H, OutputSize.W);
}
