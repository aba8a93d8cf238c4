using FaceParse.Tensors;

namespace FaceParse.Tensors.Tests;

public sealed class UnfoldTests
{
    [Fact]
    public void ChannelMajorLayoutKnownValues()
    {
        // 1x1x3x3 image 0..8, kernel 2: L = 4 windows; row ky·2 + kx lists that tap for windows (0,0),(0,1),(1,0),(1,1).
        var x = Tensor.Arange(9).Reshape(1, 1, 3, 3);
        Assert.Equal([0f, 1f, 3f, 4f, 1f, 2f, 4f, 5f, 3f, 4f, 6f, 7f, 4f, 5f, 7f, 8f], x.Unfold(2).ToArray());
        Assert.Equal([1, 4, 4], x.Unfold(2).Shape);
    }

    [Theory]
    // C, H, W, kh, kw, padding, stride, dilation
    [InlineData(3, 5, 6, 3, 3, 1, 1, 1)]
    [InlineData(2, 7, 5, 2, 3, 0, 2, 1)]
    [InlineData(2, 6, 6, 3, 2, 2, 3, 2)]
    public void MatchesReferenceAndFoldIsItsAdjoint(int c, int h, int w, int kh, int kw, int p, int s, int d)
    {
        var rng = new Random(h * w + kh);
        var x = OpCheck.Input(rng, [2, c, h, w]);
        var y = x.Unfold((kh, kw), p, s, d);
        int ho = (h + 2 * p - d * (kh - 1) - 1) / s + 1, wo = (w + 2 * p - d * (kw - 1) - 1) / s + 1;
        Assert.Equal([2, c * kh * kw, ho * wo], y.Shape);
        var expected = new float[y.Count];
        int i = 0;
        for (int b = 0; b < 2; b++)
        for (int ch = 0; ch < c; ch++)
        for (int ky = 0; ky < kh; ky++)
        for (int kx = 0; kx < kw; kx++)
        for (int oy = 0; oy < ho; oy++)
        for (int ox = 0; ox < wo; ox++, i++)
        {
            int iy = oy * s - p + ky * d, ix = ox * s - p + kx * d;
            expected[i] = iy >= 0 && iy < h && ix >= 0 && ix < w ? x[b, ch, iy, ix] : 0f;
        }
        OpCheck.Close(expected, y.ToArray(), 0, 0, "unfold");
        OpCheck.Gradients(v => v[0].Unfold((kh, kw), p, s, d), [x]);
        // <unfold(x), z> = <x, fold(z)>
        var z = OpCheck.Input(rng, [.. y.Shape]);
        var folded = z.Fold((h, w), (kh, kw), p, s, d);
        Assert.Equal(x.Shape, folded.Shape);
        double lhs = y.ToArray().Zip(z.ToArray(), (a, b) => (double)a * b).Sum(), rhs = x.ToArray().Zip(folded.ToArray(), (a, b) => (double)a * b).Sum();
        Assert.Equal(lhs, rhs, 3);
        OpCheck.Gradients(v => v[0].Fold((h, w), (kh, kw), p, s, d), [z]);
    }

    [Fact]
    public void BadArgumentsThrow()
    {
        var x = Tensor.Zeros(1, 2, 3, 3);
        Assert.Contains("[1, 2, 3, 3]", Assert.Throws<ArgumentException>(() => x.Unfold(4)).Message);
        Assert.Throws<ArgumentException>(() => x.Unfold(2, stride: 0));
        Assert.Throws<ArgumentException>(() => Tensor.Zeros(1, 5, 4).Fold((3, 3), 2));
        Assert.Throws<ArgumentException>(() => Tensor.Zeros(1, 8, 5).Fold((3, 3), 2));
    }
}
