namespace FaceParse.Tensors.Kernels;

/// <summary>Activation fused into a kernel's epilogue: y = act(conv + bias + residual).</summary>
public enum Epilogue
{
    None,
    Relu,
    Gelu,
    Silu,
    HardSwish,
}

/// <summary>Shapes and hyper-parameters of one 2-D convolution, as torch.nn.functional.conv2d takes them.</summary>
/// <remarks>x[N,Cin,H,W] * w[Cout,Cin/groups,Kh,Kw] -> y[N,Cout,OutHeight,OutWidth].</remarks>
public readonly record struct Conv2dGeometry(
    int Batch, int InChannels, int InHeight, int InWidth, int OutChannels,
    int KernelHeight, int KernelWidth,
    int StrideHeight = 1, int StrideWidth = 1,
    int PadHeight = 0, int PadWidth = 0,
    int DilationHeight = 1, int DilationWidth = 1,
    int Groups = 1)
{
    public int OutHeight => (InHeight + 2 * PadHeight - DilationHeight * (KernelHeight - 1) - 1) / StrideHeight + 1;
    public int OutWidth => (InWidth + 2 * PadWidth - DilationWidth * (KernelWidth - 1) - 1) / StrideWidth + 1;
    public int InChannelsPerGroup => InChannels / Groups;
    public int OutChannelsPerGroup => OutChannels / Groups;
    public long InputSize => (long)Batch * InChannels * InHeight * InWidth;
    public long WeightSize => (long)OutChannels * InChannelsPerGroup * KernelHeight * KernelWidth;
    public long OutputSize => (long)Batch * OutChannels * OutHeight * OutWidth;
    /// <summary>Multiply-accumulates of the direct definition (FLOPs = 2 × this).</summary>
    public long Macs => OutputSize * InChannelsPerGroup * KernelHeight * KernelWidth;

    /// <summary>Throws ArgumentException naming every size when the geometry is inconsistent.</summary>
    public void Validate()
    {
        if (Batch < 1 || InChannels < 1 || OutChannels < 1 || InHeight < 1 || InWidth < 1 || KernelHeight < 1 || KernelWidth < 1)
            throw new ArgumentException($"conv2d: sizes must be positive: {this}.");
        if (StrideHeight < 1 || StrideWidth < 1 || DilationHeight < 1 || DilationWidth < 1 || PadHeight < 0 || PadWidth < 0)
            throw new ArgumentException($"conv2d: stride and dilation must be >= 1 and padding >= 0: {this}.");
        if (Groups < 1 || InChannels % Groups != 0 || OutChannels % Groups != 0)
            throw new ArgumentException($"conv2d: groups={Groups} must divide in_channels={InChannels} and out_channels={OutChannels}.");
        if (OutHeight < 1 || OutWidth < 1)
            throw new ArgumentException($"conv2d: input {InHeight}x{InWidth} is too small for kernel {KernelHeight}x{KernelWidth} (padding {PadHeight},{PadWidth}, dilation {DilationHeight},{DilationWidth}).");
    }
}
