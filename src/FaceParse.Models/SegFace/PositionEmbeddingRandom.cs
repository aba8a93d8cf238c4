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

    // The last encoding computed, with the size and the matrix it was computed from (one immutable object, swapped whole,
    // so concurrent callers never see a mix). It depends on nothing else and carries no gradient (G is a buffer).
    private sealed record Cached(int H, int W, float[] G, Tensor Pe);
    private Cached? _cached;

    /// <summary>The encoding for an h×w grid; computed once per size (15 ms at 128² for every SegFace call before) and
    /// recomputed when G's values change (a state dict loaded into the buffer). Read-only: callers must not write into it.</summary>
    public Tensor Forward(int h, int w)
    {
        float[] g = Gaussian.ToArray();
        if (_cached is { } c && c.H == h && c.W == w && c.G.AsSpan().SequenceEqual(g)) return c.Pe;
        using (TensorScope.Suspend()) // long-lived: never returned to a caller's pool
        using (GradMode.NoGrad())
        {
            var pe = Compute(h, w);
            _cached = new Cached(h, w, g, pe);
            return pe;
        }
    }

    private Tensor Compute(int h, int w)
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
