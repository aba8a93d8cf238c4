using FaceParse.Tensors;

namespace FaceParse.Tensors.Tests;

public sealed class ConvTransposeTests
{
    // Naive scatter form of torch.nn.functional.conv_transpose2d: every input pixel adds x·w to the taps it reaches.
    internal static float[] Reference(Tensor x, Tensor w, Tensor? b, int s, int p, int op, int groups, int d)
    {
        int n = x.Dim(0), cin = x.Dim(1), h = x.Dim(2), wd = x.Dim(3), coutG = w.Dim(1), kh = w.Dim(2), kw = w.Dim(3);
        int cout = coutG * groups, cinG = cin / groups;
        int ho = (h - 1) * s - 2 * p + d * (kh - 1) + op + 1, wo = (wd - 1) * s - 2 * p + d * (kw - 1) + op + 1;
        var y = new double[n * cout * ho * wo];
        for (int b0 = 0; b0 < n; b0++)
        for (int ci = 0; ci < cin; ci++)
        for (int iy = 0; iy < h; iy++)
        for (int ix = 0; ix < wd; ix++)
        for (int c = 0; c < coutG; c++)
        for (int ky = 0; ky < kh; ky++)
        for (int kx = 0; kx < kw; kx++)
        {
            int oy = iy * s - p + ky * d, ox = ix * s - p + kx * d, co = ci / cinG * coutG + c;
            if (oy >= 0 && oy < ho && ox >= 0 && ox < wo) y[((b0 * cout + co) * ho + oy) * wo + ox] += (double)x[b0, ci, iy, ix] * w[ci, c, ky, kx];
        }
        if (b is not null)
            for (int i = 0; i < y.Length; i++) y[i] += b[i / (ho * wo) % cout];
        return y.Select(v => (float)v).ToArray();
    }

    [Theory]
    // H, W, k, stride, padding, output_padding, dilation -> torch's H_out = (H−1)·s − 2p + d·(k−1) + op + 1 by hand
    [InlineData(3, 3, 3, 2, 1, 1, 1, 6, 6)]    // 2·2 − 2 + 2 + 1 + 1 = 6
    [InlineData(5, 4, 3, 3, 2, 1, 2, 14, 11)]  // 4·3 − 4 + 4 + 1 + 1 = 14; 3·3 − 4 + 4 + 1 + 1 = 11
    [InlineData(4, 4, 4, 2, 1, 0, 1, 8, 8)]    // the usual 2x upsampler: 3·2 − 2 + 3 + 0 + 1 = 8
    [InlineData(2, 3, 2, 1, 0, 1, 2, 5, 6)]    // output_padding 1 >= stride 1 but < dilation 2: 1 + 2 + 1 + 1 = 5; 2 + 2 + 1 + 1 = 6
    public void OutputSizeFollowsTorchFormula(int h, int w, int k, int s, int p, int op, int d, int expectH, int expectW)
    {
        var y = Tensor.Zeros(1, 2, h, w).ConvTranspose2d(Tensor.Zeros(2, 3, k, k), stride: s, padding: p, outputPadding: op, dilation: d);
        Assert.Equal([1, 3, expectH, expectW], y.Shape);
    }

    [Theory]
    // N, Cin, H, W, Cout/g, k, stride, padding, output_padding, groups, dilation
    [InlineData(1, 2, 3, 4, 3, 3, 2, 1, 1, 1, 1)]
    [InlineData(2, 4, 3, 3, 1, 2, 2, 0, 0, 4, 1)]  // depthwise
    [InlineData(2, 4, 2, 3, 3, 3, 3, 2, 1, 2, 2)]  // groups + dilation + output padding
    [InlineData(1, 3, 3, 2, 2, 2, 1, 0, 1, 1, 2)]  // output padding >= stride
    public void MatchesNaiveReferenceAndFiniteDifferences(int n, int cin, int h, int w, int coutG, int k, int s, int p, int op, int groups, int d)
    {
        var rng = new Random(cin * 7 + k);
        var x = OpCheck.Input(rng, [n, cin, h, w]);
        var wt = OpCheck.Input(rng, [cin, coutG, k, k]);
        var b = OpCheck.Input(rng, [coutG * groups]);
        var y = x.ConvTranspose2d(wt, b, s, p, op, groups, d);
        OpCheck.Close(Reference(x, wt, b, s, p, op, groups, d), y.ToArray(), 1e-5f, 1e-4f, "conv_transpose2d");
        // Linear: default tolerances (atol 2e-3, rtol 2e-2).
        OpCheck.Gradients(v => v[0].ConvTranspose2d(v[1], v[2], s, p, op, groups, d), [x, wt, b], maxProbes: 16);
    }

    [Fact]
    public void BadArgumentsThrow()
    {
        var x = Tensor.Zeros(1, 4, 3, 3);
        var e = Assert.Throws<ArgumentException>(() => x.ConvTranspose2d(Tensor.Zeros(3, 2, 3, 3)));
        Assert.Contains("[1, 4, 3, 3]", e.Message);
        Assert.Contains("[3, 2, 3, 3]", e.Message);
        Assert.Throws<ArgumentException>(() => x.ConvTranspose2d(Tensor.Zeros(4, 2, 3, 3), stride: 2, outputPadding: 2));
        Assert.Throws<ArgumentException>(() => x.ConvTranspose2d(Tensor.Zeros(4, 2, 3, 3), groups: 3));
        Assert.Throws<ArgumentException>(() => x.ConvTranspose2d(Tensor.Zeros(4, 2, 1, 1), padding: 2));
        Assert.Throws<ArgumentException>(() => x.ConvTranspose2d(Tensor.Zeros(4, 2, 3, 3), Tensor.Zeros(4)));
    }
}
