using FaceParse.Nn;
using FaceParse.Tensors;

namespace FaceParse.Models.FpLiif;

/// <summary>The FP-LIIF encoder: input normalisation, a head conv 3×3 (3 → C), then residual groups with a strided
/// conv 3×3 after every group but the last (<c>encoder.down.i</c>); the last group's output is the latent grid Z.</summary>
// x [N, 3, H, W] in [0, 1] → Z [N, C, ⌈H/4⌉, ⌈W/4⌉] (for strides 2, 2)
public sealed class FpLiifEncoder : Module, IModule
{
    private readonly Tensor _mean;
    private readonly Tensor _invStd;

    public FpLiifEncoder(VarBuilder vb, FpLiifConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        int c = config.Channels;
        _mean = Tensor.FromArray([.. config.InputMean], 1, 3, 1, 1);
        _invStd = Tensor.FromArray([.. config.InputStd.Select(s => 1f / s)], 1, 3, 1, 1);
        Head = Child(vb, "head", v => new Conv2d(v, 3, c, 3, padding: 1)); // [N,3,H,W] → [N,C,H,W]
        Groups = Child(vb, "groups", v => new ModuleList<ResidualGroup>(v, config.BlocksPerGroup.Count, (gv, i) =>
            new ResidualGroup(gv, c, config.BlocksPerGroup[i], config.ResidualScale, config.GroupResidualConv))); // [N,C,h,w] → same
        Down = Child(vb, "down", v => new ModuleList<Conv2d>(v, config.DownStrides.Count, (dv, i) =>
            new Conv2d(dv, c, c, 3, stride: config.DownStrides[i], padding: 1))); // [N,C,h,w] → [N,C,⌈h/s⌉,⌈w/s⌉]
    }

    public Conv2d Head { get; }
    public ModuleList<ResidualGroup> Groups { get; }
    public ModuleList<Conv2d> Down { get; }

    // x [N, 3, H, W] → Z [N, C, H/4, W/4]
    public Tensor Forward(Tensor x)
    {
        if (x.Rank != 4 || x.Dim(1) != 3) throw new ArgumentException($"FP-LIIF encoder: input {Shapes.Format(x.Shape)} must be [N, 3, H, W].");
        var h = Head.Forward(x.Sub(_mean).Mul(_invStd));
        for (int i = 0; i < Groups.Count; i++)
        {
            h = Groups[i].Forward(h);
            if (i < Down.Count) h = Down[i].Forward(h);
        }
        return h;
    }
}
