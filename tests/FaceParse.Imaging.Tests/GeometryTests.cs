using FaceParse.Imaging.Geometry;

namespace FaceParse.Imaging.Tests;

/// <summary>Known values derived by hand from PyTorch's F.interpolate formulas (align_corners=False), plus exactness properties.</summary>
public sealed class GeometryTests
{
    private static float[] Resample1D(float[] row, int newWidth, ResizeMode mode)
    {
        var result = new float[newWidth];
        Resize.Resample(row, row.Length, 1, 1, newWidth, 1, mode, result);
        return result;
    }

    private static void Near(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-5f, $"[{i}] expected {expected[i]}, got {actual[i]}");
    }

    [Fact]
    public void BilinearMatchesPyTorch()
    {
        // src = (i + 0.5)·in/out − 0.5, clamped at 0; x1 = min(x0 + 1, in − 1)
        Near([5f, 25f], Resample1D([0, 10, 20, 30], 2, ResizeMode.Bilinear));
        Near([0f, 2.5f, 7.5f, 10f], Resample1D([0, 10], 4, ResizeMode.Bilinear));
        var grid = new float[16];
        Resize.Resample([0f, 10f, 20f, 30f], 2, 2, 1, 4, 4, ResizeMode.Bilinear, grid);
        Near([0f, 2.5f, 7.5f, 10f, 5f, 7.5f, 12.5f, 15f, 15f, 17.5f, 22.5f, 25f, 20f, 22.5f, 27.5f, 30f], grid);
    }

    [Fact]
    public void BicubicMatchesPyTorch()
    {
        // A = −0.75; [0, 10] → 4: out0 = 10·cc2(1.25) = −1.0546875, out1 = 10·(cc1(0.75) + cc2(1.75)) = 2.265625, symmetric on the right
        Near([-1.0546875f, 2.265625f, 7.734375f, 11.0546875f], Resample1D([0, 10], 4, ResizeMode.Bicubic));
        // downscale by 2: src = 0.5, t = 0.5, weights cc2(1.5), cc1(0.5), cc1(0.5), cc2(1.5) = −0.09375, 0.59375, 0.59375, −0.09375
        // on taps −1→0, 0, 1, 2 of [0, 1, 1, 1] → 0.59375 − 0.09375 = 0.5; the second output sees only ones → 1
        Near([0.5f, 1f], Resample1D([0, 1, 1, 1], 2, ResizeMode.Bicubic));
        var bytes = Resize.Apply(new Image(2, 1, 1, [0, 10]), 4, 1, ResizeMode.Bicubic);
        Assert.Equal(new byte[] { 0, 2, 8, 11 }, bytes.Pixels);
    }

    [Fact]
    public void AreaAveragesBoxes()
    {
        Near([1.5f, 3.5f, 5.5f], Resample1D([1, 2, 3, 4, 5, 6], 3, ResizeMode.Area));
        Near([4f / 3, 8f / 3, 13f / 3, 17f / 3], Resample1D([1, 2, 3, 4, 5, 6], 4, ResizeMode.Area));
        var image = Resize.Apply(new Image(4, 2, 1, [0, 10, 20, 30, 40, 50, 60, 70]), 2, 1, ResizeMode.Area);
        Assert.Equal(new byte[] { 25, 45 }, image.Pixels);
    }

    [Fact]
    public void NearestFollowsPyTorchAndNeverBlendsLabels()
    {
        Assert.Equal(new byte[] { 0, 0, 1, 1, 2 }, Resize.Labels([0, 1, 2], 3, 1, 5, 1));
        Assert.Equal(new byte[] { 0, 2 }, Resize.Labels([0, 1, 2, 3, 4], 5, 1, 2, 1));
        var labels = TestImages.Labels(37, 29, 2).Select(v => v == 0 ? (byte)3 : (byte)200).ToArray();
        foreach (var (w, h) in new[] { (11, 7), (80, 61), (37, 5) })
            Assert.All(Resize.Labels(labels, 37, 29, w, h), v => Assert.True(v is 3 or 200));
        var image = Resize.Apply(new Image(37, 29, 1, labels), 53, 13, ResizeMode.Nearest);
        Assert.All(image.Pixels, v => Assert.True(v is 3 or 200));
    }

    [Fact]
    public void FlipTwiceIsIdentity()
    {
        var image = TestImages.Photo(9, 4, 3);
        var flipped = Transforms.FlipHorizontal(image);
        Assert.Equal(image.Pixels.AsSpan(0, 3).ToArray(), flipped.Pixels.AsSpan(8 * 3, 3).ToArray());
        PixelAssert.SameImage(image, Transforms.FlipHorizontal(flipped));
    }

    [Theory]
    [InlineData(WarpInterpolation.Nearest)]
    [InlineData(WarpInterpolation.Bilinear)]
    public void IdentityWarpIsIdentity(WarpInterpolation interpolation)
    {
        var image = TestImages.Photo(15, 11, 3);
        PixelAssert.SameImage(image, Warp.Affine(image, AffineTransform.Identity, 15, 11, interpolation));
    }

    [Fact]
    public void QuarterTurnWithNearestIsExact()
    {
        var image = TestImages.Photo(5, 5, 1);
        var rotated = Warp.Affine(image, AffineTransform.Rotation(90, 2, 2), 5, 5, WarpInterpolation.Nearest);
        for (int y = 0; y < 5; y++)
            for (int x = 0; x < 5; x++) Assert.Equal(image.Pixels[x * 5 + (4 - y)], rotated.Pixels[y * 5 + x]);
        var back = Warp.Affine(rotated, AffineTransform.Rotation(-90, 2, 2), 5, 5, WarpInterpolation.Nearest);
        PixelAssert.SameImage(image, back);
    }

    [Fact]
    public void BilinearWarpBlendsWithConstantFill()
    {
        var image = new Image(3, 1, 1, [0, 100, 200]);
        var shifted = Warp.Affine(image, AffineTransform.Translation(-0.5, 0), 3, 1, WarpInterpolation.Bilinear, fill: 0);
        Assert.Equal(new byte[] { 50, 150, 100 }, shifted.Pixels);
        var labels = Warp.Labels([1, 2, 3, 4], 2, 2, AffineTransform.Translation(1, 0), 2, 2, fill: 255);
        Assert.Equal(new byte[] { 255, 1, 255, 3 }, labels);
    }

    [Fact]
    public void MappedWarpSamplesWhereTheMapPoints()
    {
        // a 4×2 gradient (channel 0: 10·x + 100·y, channel 1: constant 7); the map squares x and halves y
        var image = new Image(4, 2, 2);
        for (int y = 0; y < 2; y++)
            for (int x = 0; x < 4; x++) (image.Pixels[(y * 4 + x) * 2], image.Pixels[(y * 4 + x) * 2 + 1]) = ((byte)(10 * x + 100 * y), 7);
        var mapped = Warp.Map(image, 3, 3, (x, y) => (x * x * 0.75, y * 0.5), WarpInterpolation.Bilinear, fill: 0);
        // row y samples source row y/2: rows 0, 0.5 (blend of 0 and 1), 1; columns x²·0.75: 0, 0.75, 3
        byte[] expected =
        [
            0, 7, 8, 7, 30, 7,
            50, 7, 58, 7, 80, 7,
            100, 7, 108, 7, 130, 7,
        ];
        Assert.Equal(expected, mapped.Pixels);
        var outside = Warp.Map(image, 2, 1, (x, y) => (x == 0 ? -1.0 : 3.5, 0.0), WarpInterpolation.Bilinear, fill: 9);
        Assert.Equal(new byte[] { 9, 9, 20, 8 }, outside.Pixels); // fully outside: fill; half past the edge: blended with fill
        var nearest = Warp.Map(image, 2, 1, (x, y) => (x * 2.6, 0.6), WarpInterpolation.Nearest);
        Assert.Equal(new byte[] { 100, 7, 130, 7 }, nearest.Pixels);
    }

    [Fact]
    public void SimilarityEstimateRecoversTransform()
    {
        var truth = AffineTransform.Rotation(30, 10, 20, 1.5).Then(AffineTransform.Translation(3, -4));
        (double, double)[] from = [(0, 0), (10, 2), (4, 9), (-3, 5)];
        var to = from.Select(p => truth.Apply(p.Item1, p.Item2)).ToArray();
        var estimate = AffineTransform.EstimateSimilarity(from, to);
        foreach (var (a, b) in new[] { (truth.A, estimate.A), (truth.B, estimate.B), (truth.C, estimate.C), (truth.D, estimate.D), (truth.E, estimate.E), (truth.F, estimate.F) })
            Assert.Equal(a, b, 9);
        var roundTrip = truth.Then(truth.Invert());
        Assert.Equal(1, roundTrip.A, 12);
        Assert.Equal(0, roundTrip.C, 12);
    }

    [Fact]
    public void CropAndPasteAreExact()
    {
        var image = TestImages.Photo(12, 8, 4);
        var crop = Transforms.Crop(image, 3, 2, 5, 4);
        Assert.Equal(image.Row(2).Slice(3 * 4, 5 * 4).ToArray(), crop.Row(0).ToArray());
        var canvas = image.Clone();
        Array.Clear(canvas.Pixels);
        Transforms.Paste(crop, 3, 2, canvas);
        PixelAssert.SameImage(crop, Transforms.Crop(canvas, 3, 2, 5, 4));
        Transforms.Paste(image, -10, 6, canvas); // clipped: only the part inside the canvas lands
        Assert.Equal(image.Row(0).Slice(10 * 4, 2 * 4).ToArray(), canvas.Row(6)[..8].ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => Transforms.Crop(image, 10, 0, 5, 1));
    }
}
