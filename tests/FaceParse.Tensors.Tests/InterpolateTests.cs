using FaceParse.Tensors;

namespace FaceParse.Tensors.Tests;

public sealed class InterpolateTests
{
    private static readonly Tensor Square = Tensor.FromArray([1f, 2f, 3f, 4f], 1, 1, 2, 2);

    // For the input 1 + col + 2·row every mode's rows of weights sum to 1, so y[i, j] = 1 + p[j] + 2·p[i] where p[o]
    // is the weight the 1-D kernel puts on input 1 at output o.
    private static float[] FromPositions(double[] p) => p.SelectMany(r => p.Select(c => (float)(1 + c + 2 * r))).ToArray();

    [Fact]
    public void BilinearKnownValues()
    {
        // align_corners=False: src = max(0.5·(o + 0.5) − 0.5, 0) = 0, 0.25, 0.75, 1.25 (last clamps to input 1).
        OpCheck.Close([1f, 1.25f, 1.75f, 2f, 1.5f, 1.75f, 2.25f, 2.5f, 2.5f, 2.75f, 3.25f, 3.5f, 3f, 3.25f, 3.75f, 4f],
            Square.Interpolate(4, 4, InterpolateMode.Bilinear).ToArray(), what: "bilinear ac=False");
        // align_corners=True: src = o·(2−1)/(4−1) = o/3.
        OpCheck.Close(FromPositions([0, 1 / 3.0, 2 / 3.0, 1]), Square.Interpolate(4, 4, InterpolateMode.Bilinear, true).ToArray(), what: "bilinear ac=True");
    }

    [Fact]
    public void BicubicKnownValues()
    {
        // A = −0.75; near(x) = (1.25x − 2.25)x² + 1, far(x) = ((−0.75x + 3.75)x − 6)x + 3.
        // align_corners=False, src = −0.25, 0.25, 0.75, 1.25 with taps clamped into [0, 1]:
        //   o=0: t=0.75, taps (−2,−1,0,1)->(0,0,0,1): weight on 1 = far(1.25) = −0.10546875
        //   o=1: t=0.25, taps (−1,0,1,2)->(0,0,1,1): near(0.75) + far(1.75) = 0.26171875 − 0.03515625 = 0.2265625
        //   o=2, o=3 by symmetry: 0.7734375, 1.10546875
        var expected = FromPositions([-0.10546875, 0.2265625, 0.7734375, 1.10546875]);
        Assert.Equal(0.68359375f, expected[0]);
        OpCheck.Close(expected, Square.Interpolate(4, 4, InterpolateMode.Bicubic).ToArray(), what: "bicubic ac=False");
        // align_corners=True, src = o/3: o=1 has t=1/3, weight on 1 = near(2/3) + far(5/3) = 10/27 − 1/18 = 17/54.
        OpCheck.Close(FromPositions([0, 17 / 54.0, 37 / 54.0, 1]), Square.Interpolate(4, 4, InterpolateMode.Bicubic, true).ToArray(), what: "bicubic ac=True");
    }

    [Fact]
    public void NearestThreeToFiveUsesFloorOfScaledIndex()
    {
        // src = floor(o · 3/5) = 0, 0, 1, 1, 2
        var x = Tensor.FromArray([10f, 20f, 30f], 1, 1, 1, 3);
        Assert.Equal([10f, 10f, 20f, 20f, 30f], x.Interpolate(1, 5).ToArray());
        // downsampling 5 -> 3: floor(o · 5/3) = 0, 1, 3
        Assert.Equal([0f, 1f, 3f], Tensor.Arange(5).Reshape(1, 1, 1, 5).Interpolate(1, 3).ToArray());
    }

    // Direct 2-D evaluation of torch's formulas in double precision (not separable, no shared tables).
    internal static float[] Reference(Tensor x, int oh, int ow, InterpolateMode mode, bool ac)
    {
        int h = x.Dim(2), w = x.Dim(3);
        var result = new List<float>();
        for (int p = 0; p < x.Dim(0) * x.Dim(1); p++)
        for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
        {
            double acc = 0;
            var (ry, rx) = (Weights1D(h, oh, oy, mode, ac), Weights1D(w, ow, ox, mode, ac));
            foreach (var (iy, wy) in ry)
            foreach (var (ix, wx) in rx)
                acc += wy * wx * x[p / x.Dim(1), p % x.Dim(1), iy, ix];
            result.Add((float)acc);
        }
        return [.. result];
    }

    private static List<(int, double)> Weights1D(int n, int outN, int o, InterpolateMode mode, bool ac)
    {
        if (mode == InterpolateMode.Nearest) return [(Math.Min((int)Math.Floor(o * (float)n / outN), n - 1), 1.0)]; // torch uses a float scale
        double scale = ac ? (outN > 1 ? (n - 1.0) / (outN - 1) : 0) : (double)n / outN;
        double src = ac ? o * scale : scale * (o + 0.5) - 0.5;
        if (mode == InterpolateMode.Bilinear)
        {
            src = Math.Max(src, 0);
            int i0 = (int)src;
            double l = src - i0;
            return [(i0, 1 - l), (Math.Min(i0 + 1, n - 1), l)];
        }
        int f = (int)Math.Floor(src);
        var list = new List<(int, double)>();
        for (int k = -1; k <= 2; k++)
        {
            double d = Math.Abs(src - (f + k)), a = -0.75;
            double wgt = d <= 1 ? ((a + 2) * d - (a + 3)) * d * d + 1 : ((a * d - 5 * a) * d + 8 * a) * d - 4 * a;
            list.Add((Math.Clamp(f + k, 0, n - 1), wgt));
        }
        return list;
    }

    [Theory]
    [InlineData(InterpolateMode.Nearest, false, 3, 5, 7, 4)]
    [InlineData(InterpolateMode.Nearest, false, 6, 4, 3, 9)]
    [InlineData(InterpolateMode.Bilinear, false, 3, 5, 7, 4)]
    [InlineData(InterpolateMode.Bilinear, true, 4, 3, 7, 1)]
    [InlineData(InterpolateMode.Bicubic, false, 5, 4, 9, 3)]
    [InlineData(InterpolateMode.Bicubic, true, 3, 5, 5, 8)]
    [InlineData(InterpolateMode.Bilinear, false, 16, 12, 64, 48)] // rows wide enough for the vector multiply-adds (SegFace's ×4, ×8)
    [InlineData(InterpolateMode.Bicubic, false, 8, 10, 33, 40)]
    [InlineData(InterpolateMode.Nearest, false, 5, 7, 40, 35)]
    [InlineData(InterpolateMode.Bilinear, false, 40, 9, 5, 4)] // strong downsampling: most input rows are read by no tap
    [InlineData(InterpolateMode.Nearest, false, 33, 8, 4, 3)]
    public void MatchesReferenceAndFiniteDifferences(InterpolateMode mode, bool ac, int h, int w, int oh, int ow)
    {
        var rng = new Random(h * 13 + oh);
        var x = OpCheck.Input(rng, [2, 2, h, w]);
        var y = x.Interpolate(oh, ow, mode, ac);
        OpCheck.Close(Reference(x, oh, ow, mode, ac), y.ToArray(), 1e-5f, 1e-4f, $"interpolate {mode}");
        // Linear in x: default tolerances.
        OpCheck.Gradients(v => v[0].Interpolate(oh, ow, mode, ac), [x]);
    }

    [Fact]
    public void BadArgumentsThrow()
    {
        Assert.Contains("[1, 1, 2, 2]", Assert.Throws<ArgumentException>(() => Square.Interpolate(0, 3)).Message);
        Assert.Throws<ArgumentException>(() => Square.Interpolate(3, 3, InterpolateMode.Nearest, alignCorners: true));
        Assert.Throws<ArgumentException>(() => Tensor.Zeros(2, 2).Interpolate(3, 3));
    }
}
