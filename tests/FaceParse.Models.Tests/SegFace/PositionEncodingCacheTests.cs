using FaceParse.Models.SegFace;
using FaceParse.Nn;
using FaceParse.Tensors;

namespace FaceParse.Models.Tests.SegFace;

/// <summary>SAM's dense positional encoding is computed once per grid size and kept: it must equal a fresh computation,
/// follow the Gaussian matrix when a checkpoint's values are written into it, and survive the caller's scope.</summary>
public sealed class PositionEncodingCacheTests
{
    // Direct definition: pe[c, i, j] = sin/cos(2π·((2(j+½)/w − 1)·G[0,c] + (2(i+½)/h − 1)·G[1,c])).
    private static double Expected(float[] g, int feats, int c, int i, int j, int h, int w)
    {
        int k = c % feats;
        double x = 2 * (j + 0.5) / w - 1, y = 2 * (i + 0.5) / h - 1, a = 2 * Math.PI * (x * g[k] + y * g[feats + k]);
        return c < feats ? Math.Sin(a) : Math.Cos(a);
    }

    private static void AssertMatches(PositionEmbeddingRandom layer, int h, int w)
    {
        float[] g = layer.Gaussian.ToArray(), pe = layer.Forward(h, w).ToArray();
        int feats = g.Length / 2;
        for (int c = 0; c < 2 * feats; c++)
            for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++)
                    Assert.True(Math.Abs(pe[(c * h + i) * w + j] - Expected(g, feats, c, i, j, h, w)) < 2e-5, $"pe[{c},{i},{j}]");
    }

    [Fact]
    public void CachedPerSizeRecomputedWhenTheMatrixChangesAndKeptPastTheCallersScope()
    {
        var layer = new PositionEmbeddingRandom(VarBuilder.Init(5), 64); // pe [128, 6, 5]: large enough to be pooled
        Tensor first;
        using (new TensorScope()) first = layer.Forward(6, 5);
        // Whatever the pool hands out next is scribbled over: a cached encoding returned to it would change.
        using (new TensorScope())
            for (int k = 0; k < 8; k++) Tensor.Empty(128, 6, 5).Span.Fill(float.NaN);
        Assert.Same(first, layer.Forward(6, 5));
        AssertMatches(layer, 6, 5);
        AssertMatches(layer, 4, 7); // another size
        layer.Gaussian.Span.Reverse(); // as when a state dict's values are copied into the buffer
        AssertMatches(layer, 4, 7);
        AssertMatches(layer, 6, 5);
    }
}
