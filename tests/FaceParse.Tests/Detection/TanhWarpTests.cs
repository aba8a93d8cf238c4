using FaceParse.Detection;

namespace FaceParse.Tests.Detection;

public sealed class TanhWarpTests
{
    [Theory]
    [InlineData(0.8)]
    [InlineData(0.5)]
    [InlineData(0.1)]
    public void Warp_then_inverse_is_the_identity(double f)
    {
        var warp = new TanhWarp(f);
        // every aligned coordinate whose warped value stays inside the inverse's clamp comes back
        double limit = Math.Atanh(TanhWarp.InverseLimit) * f + 1 - f;
        for (double c = -limit + 1e-6; c <= limit - 1e-6; c += limit / 357)
            Assert.Equal(c, warp.Inverse(warp.Forward(c)), 9);
        for (double u = -0.999; u <= 0.999; u += 0.001)
            Assert.Equal(u, warp.Forward(warp.Inverse(u)), 9);
        var p = warp.Inverse(warp.Forward((0.9 * limit, -0.35)));
        Assert.Equal(0.9 * limit, p.X, 9);
        Assert.Equal(-0.35, p.Y, 12);
    }

    [Fact]
    public void Central_band_is_untouched_and_the_outside_is_compressed_into_the_margin()
    {
        var warp = new TanhWarp(0.8);
        Assert.Equal(0.15, warp.Forward(0.15), 15);           // |c| ≤ 1 − f = 0.2: linear
        Assert.Equal(-0.2, warp.Forward(-0.2), 15);
        Assert.True(warp.Forward(5) < 1 && warp.Forward(5) > 0.99); // far outside → just inside the edge
        Assert.Equal(-warp.Forward(3), warp.Forward(-3), 15);   // odd
        double h = 1e-6;                                         // slope 1 on both sides of the knee (C¹)
        Assert.Equal(1, (warp.Forward(0.2 + h) - warp.Forward(0.2)) / h, 4);
        double previous = double.NegativeInfinity;               // strictly increasing
        for (double c = -4; c <= 4; c += 0.01)
        {
            Assert.True(warp.Forward(c) > previous);
            previous = warp.Forward(c);
        }
    }

    [Fact]
    public void Input_pixels_show_facers_grid_and_the_grid_map_inverts_it()
    {
        const int size = 64;
        const double f = 0.8;
        var warp = new TanhWarp(f);
        for (int i = 0; i < size; i++)
        {
            // facer's make_tanh_warp_grid along one axis (identity matrix): pixel centre i + 0.5 → [-1, 1] → clamped artanh →
            // back to the frame's continuous coordinates, whose pixel centres are at i + 0.5
            double u = (i + 0.5) / size * 2 - 1, c = u;
            if (u > 1 - f) c = Math.Atanh(Math.Clamp((u - 1 + f) / f, -1 + 0.001, 1 - 0.001)) * f + 1 - f;
            if (u < -1 + f) c = Math.Atanh(Math.Clamp((u + 1 - f) / f, -1 + 0.001, 1 - 0.001)) * f - 1 + f;
            double facer = (c + 1) / 2 * size - 0.5;
            Assert.Equal(facer, warp.AlignedOfInputPixel(i, size), 9);
            Assert.Equal(u, warp.ToInputGrid(warp.AlignedOfInputPixel(i, size), size), 9); // the logits' grid finds pixel i again
            Assert.Equal(i, new TanhWarp(0).AlignedOfInputPixel(i, size), 12);                  // no warp: the aligned frame itself
        }
        Assert.True(warp.AlignedOfInputPixel(0, size) < -size / 2.0); // the margin reaches over half a frame beyond its edge
        Assert.Equal(Math.Atanh(TanhWarp.InverseLimit) * f + 1 - f, warp.Reach, 12);
        Assert.Equal(1, new TanhWarp(0).Reach);
        Assert.Equal((2 * 10.3 + 1) / size - 1, new TanhWarp(0).ToInputGrid(10.3, size), 12);
    }

    [Fact]
    public void Factor_zero_is_the_plain_similarity_frame_and_bad_factors_are_rejected()
    {
        var warp = new TanhWarp(0);
        Assert.Equal(1.3, warp.Forward(1.3));
        Assert.Equal(-0.7, warp.Inverse(-0.7));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TanhWarp(1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TanhWarp(double.NaN));
    }
}
