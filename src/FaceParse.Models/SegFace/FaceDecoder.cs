using FaceParse.Nn;
using FaceParse.Tensors;

namespace FaceParse.Models.SegFace;

/// <summary>SegFace's FaceDecoder (<c>face_decoder</c>): the two-way <c>transformer</c>, one learnt 256-d token per class
/// (<c>&lt;name&gt;_token.weight</c> [1, 256], concatenated in output order), <c>output_upscaling</c> (ConvTranspose2d
/// 256 → 64 k2 s2, LayerNorm2d eps 1e-6, GELU, ConvTranspose2d 64 → 32 k2 s2, GELU) and the shared hypernetwork
/// <c>output_hypernetwork_mlps</c> (256 → 256 → 256 → 32, ReLU); logits = hyper · upscaled.</summary>
// image[N,256,h,w], imagePe[1,256,h,w] -> logits[N,K,4h,4w]
public sealed class FaceDecoder : Module
{
    private readonly List<Embedding> _tokens = [];

    public FaceDecoder(VarBuilder vb, IReadOnlyList<string> tokenNames)
    {
        const int dim = SegFaceConfig.Dim;
        Transformer = Child(vb, "transformer", v => new TwoWayTransformer(v));
        foreach (var name in tokenNames) _tokens.Add(Child(vb, name + "_token", v => new Embedding(v, 1, dim)));
        var up = new Backbones.Slots();
        var u = vb.Sub("output_upscaling");
        Up1 = up.Add("0", new ConvTranspose2d(u.Sub(0), dim, dim / 4, 2, 2));
        UpNorm = up.Add("1", new LayerNorm2d(u.Sub(1), dim / 4));
        Up2 = up.Add("3", new ConvTranspose2d(u.Sub(3), dim / 4, dim / 8, 2, 2));
        RegisterModule("output_upscaling", up);
        Hyper = Child(vb, "output_hypernetwork_mlps", v => new Mlp(v, dim, dim, dim / 8, 3));
    }

    public TwoWayTransformer Transformer { get; }
    public IReadOnlyList<Embedding> Tokens => _tokens;
    public ConvTranspose2d Up1 { get; }
    public LayerNorm2d UpNorm { get; }
    public ConvTranspose2d Up2 { get; }
    public Mlp Hyper { get; }

    public Tensor Forward(Tensor image, Tensor imagePe)
    {
        int n = image.Dim(0), c = image.Dim(1), h = image.Dim(2), w = image.Dim(3);
        var tokens = Tensor.Concat(_tokens.Select(t => t.Weight).ToArray(), 0).Unsqueeze(0).Expand(n, -1, -1); // [N,K,256]
        var pe = imagePe.Expand(n, -1, -1, -1);
        var (hs, src) = Transformer.Forward(image, pe, tokens);
        var map = src.Transpose(1, 2).Reshape(n, c, h, w);                                                  // [N,256,h,w]
        var up = Up2.Forward(UpNorm.Forward(Up1.Forward(map)).Gelu()).Gelu();                               // [N,32,4h,4w]
        var hyper = Hyper.Forward(hs);                                                                      // [N,K,32]
        int uh = up.Dim(2), uw = up.Dim(3);
        return hyper.MatMul(up.Reshape(n, up.Dim(1), uh * uw)).Reshape(n, hyper.Dim(1), uh, uw);
    }
}
