using FaceParse.Nn;
using FaceParse.Tensors;
using Epilogue = FaceParse.Tensors.Kernels.Epilogue;

namespace FaceParse.Models.FpLiif;

/// <summary>A group of <see cref="ResidualBlock"/>s with a group-level residual (EDSR/RCAN): x + conv(blocks(x)),
/// the closing conv 3×3 optional (without it the group residual is x + blocks(x)).</summary>
// x [N, C, H, W] → [N, C, H, W]
public sealed class ResidualGroup : Module, IModule
{
    private readonly float _scale;

    public ResidualGroup(VarBuilder vb, int channels, int blocks, float residualScale, bool closingConv)
    {
        _scale = residualScale;
        Blocks = Child(vb, "blocks", v => new ModuleList<ResidualBlock>(v, blocks, (bv, _) => new ResidualBlock(bv, channels, residualScale)));
        Conv = closingConv ? Child(vb, "conv", v => new Conv2d(v, channels, channels, 3, padding: 1)) : null; // [N,C,H,W] → same
    }

    public ModuleList<ResidualBlock> Blocks { get; }
    public Conv2d? Conv { get; }

    // x [N, C, H, W] → [N, C, H, W]. At residual scale 1 with the closing conv, every step is a fused 3×3 conv, so the group
    // runs as one ConvChain: depth-first, band by band, when no graph is recorded; one conv after another otherwise.
    public Tensor Forward(Tensor x)
    {
        if (_scale == 1f && Conv is not null) return ConvChain.Run(x, Steps());
        var h = x;
        foreach (var block in Blocks) h = block.Forward(h);
        if (Conv is null) return ReferenceEquals(h, x) ? x : h.Add(x);
        return h.Conv2d(Conv.Weight, Conv.Bias, x, Epilogue.None, padding: 1);
    }

    // the group as chain steps: value 0 = x; per block relu(conv1(h)), then conv2(·) + h; finally conv(h) + x
    private List<ConvStep> Steps()
    {
        var steps = new List<ConvStep>();
        int h = 0;
        foreach (var block in Blocks)
        {
            steps.Add(new ConvStep(h, block.Conv1.Weight, block.Conv1.Bias, -1, Epilogue.Relu));
            steps.Add(new ConvStep(steps.Count, block.Conv2.Weight, block.Conv2.Bias, h, Epilogue.None));
            h = steps.Count;
        }
        steps.Add(new ConvStep(h, Conv!.Weight, Conv.Bias, 0, Epilogue.None));
        return steps;
    }
}
