using FaceParse.Nn;
using FaceParse.Tensors;

namespace FaceParse.Models.SegFace;

/// <summary>SAM's PositionEmbeddingRandom (<c>pe_layer</c>): a fixed Gaussian matrix G [2, 128] (buffer
/// <c>positional_encoding_gaussian_matrix</c>, loaded from the checkpoint, never regenerated); for pixel centres
/// x = (j + ½)/w, y = (i + ½)/h, PE = [sin, cos](2π·(2·[x, y] − 1)·G).</summary>
// (h, w) -> pe[256,h,w]
public sealed class PositionEmbeddingRandom : Module
{
    public PositionEmbeddingRandom(VarBuilder vb, int numPosFeats = 128) =>
        Gaussian = Buffer(vb, "positional_encoding_gaussian_matrix", [2, numPosFeats], Init.Normal(0, 1));

    public Tensor Gaussian { get; }

    public Tensor Forward(int h, int w)
    {
        var coords = Tensor.Empty(h, w, 2);
        var c = coords.Span;
        for (int i = 0; i < h; i++)
            for (int j = 0; j < w; j++)
            {
                c[(i * w + j) * 2] = (j + 0.5f) / w;
                c[(i * w + j) * 2 + 1] = (i + 0.5f) / h;
            }
        var p = coords.Mul(2f).Sub(1f).MatMul(Gaussian).Mul(2f * MathF.PI); // [h,w,128]
        return Tensor.Concat([p.Sin(), p.Cos()], -1).Permute(2, 0, 1);     // [256,h,w]
    }
}
