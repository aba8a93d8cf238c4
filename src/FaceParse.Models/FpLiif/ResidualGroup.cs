using FaceParse.Nn;
using FaceParse.Tensors;
using Epilogue = FaceParse.Tensors.Kernels.Epilogue;

namespace FaceParse.Models.FpLiif;

/// <summary>A group of <see cref="ResidualBlock"/>s with a group-level residual (EDSR/RCAN): x + conv(blocks(x)),
/// the closing conv 3×3 optional (without it the group residual is x + blocks(x)).</summary>
// x [N, C, H, W] → [N, C, H, W]
public sealed class ResidualGroup : Module, IModule
{
    public ResidualGroup(VarBuilder vb, int channels, int blocks, float residualScale, bool closingConv)
    {
        Blocks = Child(vb, "blocks", v => new ModuleList<ResidualBlock>(v, blocks, (bv, _) => new ResidualBlock(bv, channels, residualScale)));
        Conv = closingConv ? Child(vb, "conv", v => new Conv2d(v, channels, channels, 3, padding: 1)) : null; // [N,C,H,W] → same
    }

    public ModuleList<ResidualBlock> Blocks { get; }
    public Conv2d? Conv { get; }

    // x [N, C, H, W] → [N, C, H, W]
    public Tensor Forward(Tensor x)
    {
        var h = x;
        foreach (var block in Blocks) h = block.Forward(h);
        if (Conv is null) return ReferenceEquals(h, x) ? x : h.Add(x);
        return h.Conv2d(Conv.Weight, Conv.Bias, x, Epilogue.None, padding: 1);
    }
}
