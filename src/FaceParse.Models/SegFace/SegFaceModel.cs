using FaceParse.Models.Backbones;
using FaceParse.Nn;
using FaceParse.Tensors;

namespace FaceParse.Models.SegFace;

/// <summary>SegFace (AAAI 2025; SegFaceCeleb / SegFaceLapa / SegFaceHelen of the official code) with the official
/// state-dict layout: <c>backbone.…</c>, <c>pe_layer.positional_encoding_gaussian_matrix</c>, <c>face_decoder.…</c>,
/// <c>linear_c.{0..3}.proj.…</c>, <c>linear_fuse.weight</c> (in torch's registration order).</summary>
/// <remarks>Input: ImageNet-normalised RGB. Output logits at 4× the first tap's size (the input size when H and W are
/// multiples of 32 for Swin/ConvNeXt, of 4 for the others' stride-4 tap). The LaPa landmark warp is not part of the
/// module.</remarks>
// x[N,3,H,W] -> logits[N,K,H,W]
public sealed class SegFaceModel : Module, IModule
{
    public SegFaceModel(VarBuilder vb, SegFaceConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        Config = config;
        var backbone = Child(vb, "backbone", v => SegFaceConfig.CreateBackbone(v, config.Backbone));
        Backbone = (IBackbone)backbone;
        PeLayer = Child(vb, "pe_layer", v => new PositionEmbeddingRandom(v, SegFaceConfig.Dim / 2));
        FaceDecoder = Child(vb, "face_decoder", v => new FaceDecoder(v, config.Tokens));
        var taps = Backbone.TapChannels;
        LinearC = Child(vb, "linear_c", v => new ModuleList<SegfaceMlp>(v, taps.Count, (m, i) => new SegfaceMlp(m, taps[i])));
        LinearFuse = Child(vb, "linear_fuse", v => new Conv2d(v, SegFaceConfig.Dim * taps.Count, SegFaceConfig.Dim, 1, bias: false));
    }

    public SegFaceConfig Config { get; }
    public IBackbone Backbone { get; }
    public PositionEmbeddingRandom PeLayer { get; }
    public FaceDecoder FaceDecoder { get; }
    public ModuleList<SegfaceMlp> LinearC { get; }
    public Conv2d LinearFuse { get; }

    public Tensor Forward(Tensor x)
    {
        if (x.Rank != 4 || x.Dim(1) != 3) throw new ArgumentException($"SegFace expects an RGB batch [N, 3, H, W], got {Shapes.Format(x.Shape)}.");
        var taps = Backbone.Taps(x);
        var fused = FeatureFusion.Fuse(taps, LinearC, LinearFuse);       // [N,256,h,w]
        var pe = PeLayer.Forward(fused.Dim(2), fused.Dim(3)).Unsqueeze(0); // [1,256,h,w]
        return FaceDecoder.Forward(fused, pe);
    }
}
