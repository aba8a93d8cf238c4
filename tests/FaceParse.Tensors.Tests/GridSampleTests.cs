using FaceParse.Tensors;

namespace FaceParse.Tensors.Tests;

public sealed class GridSampleTests
{
    private static readonly Tensor Square = Tensor.FromArray([1f, 2f, 3f, 4f], 1, 1, 2, 2);

    private static Tensor Grid(params float[] xy) => Tensor.FromArray(xy, 1, 1, xy.Length / 2, 2);

    [Fact]
    public void CornersWithBothAlignCornersSettings()
    {
        // points (x, y): top-left corner, bottom-right corner, centre, top-right corner
        var grid = Grid(-1, -1, 1, 1, 0, 0, 1, -1);
        // align_corners=True: ±1 are the centres of the corner pixels.
        Assert.Equal([1f, 4f, 2.5f, 2f], Square.GridSample(grid, alignCorners: true).ToArray());
        // align_corners=False: ±1 are the outer pixel edges, pixel coordinate −0.5 / 1.5: a quarter of the corner pixel
        // with zero padding (top-right: half of pixel 2 horizontally, half vertically -> 0.25·2).
        Assert.Equal([0.25f, 1f, 2.5f, 0.5f], Square.GridSample(grid).ToArray());
        // border padding clamps the coordinate into [0, 1] instead.
        Assert.Equal([1f, 4f, 2.5f, 2f], Square.GridSample(grid, padding: GridPadding.Border).ToArray());
        // outside the image: x = 2 -> pixel 1.5 (align_corners=True) clamped to 1, y = 0 -> 0.5: (2 + 4)/2
        Assert.Equal([3f], Square.GridSample(Grid(2, 0), padding: GridPadding.Border, alignCorners: true).ToArray());
        Assert.Equal([0f], Square.GridSample(Grid(3, 3)).ToArray()); // zeros padding, far outside
    }

    [Fact]
    public void NearestRoundsHalfToEven()
    {
        // W = 4, align_corners=False: pixel x = ((g + 1)·4 − 1)/2, so g = 0, 0.5, −0.5 give 1.5, 2.5, 0.5 -> 2, 2, 0.
        var x = Tensor.FromArray([10f, 20f, 30f, 40f], 1, 1, 1, 4);
        Assert.Equal([30f, 30f, 10f], x.GridSample(Grid(0, 0, 0.5f, 0, -0.5f, 0), GridSampleMode.Nearest).ToArray());
    }

    // Direct double-precision grid_sample: unnormalise, clamp for border, then sum the in-range bilinear corners.
    private static float[] Reference(Tensor x, Tensor grid, GridSampleMode mode, GridPadding padding, bool ac)
    {
        int n = x.Dim(0), c = x.Dim(1), h = x.Dim(2), w = x.Dim(3), hg = grid.Dim(1), wg = grid.Dim(2);
        var y = new float[n * c * hg * wg];
        double Unnormalise(double g, int size)
        {
            double v = ac ? (g + 1) / 2 * (size - 1) : ((g + 1) * size - 1) / 2;
            return padding == GridPadding.Border ? Math.Clamp(v, 0, size - 1) : v;
        }
        for (int b = 0; b < n; b++)
        for (int ch = 0; ch < c; ch++)
        for (int i = 0; i < hg; i++)
        for (int j = 0; j < wg; j++)
        {
            double px = Unnormalise(grid[b, i, j, 0], w), py = Unnormalise(grid[b, i, j, 1], h), acc = 0;
            double Pixel(int yy, int xx) => yy >= 0 && yy < h && xx >= 0 && xx < w ? x[b, ch, yy, xx] : 0;
            if (mode == GridSampleMode.Nearest) acc = Pixel((int)Math.Round(py, MidpointRounding.ToEven), (int)Math.Round(px, MidpointRounding.ToEven));
            else
            {
                int x0 = (int)Math.Floor(px), y0 = (int)Math.Floor(py);
                double fx = px - x0, fy = py - y0;
                acc = Pixel(y0, x0) * (1 - fx) * (1 - fy) + Pixel(y0, x0 + 1) * fx * (1 - fy) + Pixel(y0 + 1, x0) * (1 - fx) * fy + Pixel(y0 + 1, x0 + 1) * fx * fy;
            }
            y[((b * c + ch) * hg + i) * wg + j] = (float)acc;
        }
        return y;
    }

    [Theory]
    [InlineData(GridSampleMode.Bilinear, GridPadding.Zeros, false)]
    [InlineData(GridSampleMode.Bilinear, GridPadding.Zeros, true)]
    [InlineData(GridSampleMode.Bilinear, GridPadding.Border, false)]
    [InlineData(GridSampleMode.Bilinear, GridPadding.Border, true)]
    [InlineData(GridSampleMode.Nearest, GridPadding.Zeros, false)]
    [InlineData(GridSampleMode.Nearest, GridPadding.Border, true)]
    public void MatchesReferenceAndFiniteDifferences(GridSampleMode mode, GridPadding padding, bool ac)
    {
        var rng = new Random((int)mode * 4 + (int)padding * 2 + (ac ? 1 : 0));
        var x = OpCheck.Input(rng, [2, 3, 5, 6]);
        var grid = AwayFromKinks(rng, [2, 4, 3, 2], 5, 6, ac);
        var y = x.GridSample(grid, mode, padding, ac);
        Assert.Equal([2, 3, 4, 3], y.Shape);
        OpCheck.Close(Reference(x, grid, mode, padding, ac), y.ToArray(), 1e-5f, 1e-4f, "grid_sample");
        if (mode == GridSampleMode.Nearest)
        {
            grid.RequiresGrad = false; // piecewise constant in the grid
            OpCheck.Gradients(v => v[0].GridSample(v[1], mode, padding, ac), [x, grid]);
            return;
        }
        // Piecewise bilinear in the grid; the points sit ≥ 0.1 pixel from every pixel line (and so from the border clamp),
        // eps 1e-3 moves them ≤ 3e-3 pixels. atol 5e-3 for float32 differences of a gradient scaled by size/2.
        OpCheck.Gradients(v => v[0].GridSample(v[1], mode, padding, ac), [x, grid], eps: 1e-3f, atol: 5e-3f);
    }

    // Grid points whose pixel coordinates have a fractional part in [0.1, 0.9], from 2 pixels outside to 1 beyond.
    private static Tensor AwayFromKinks(Random rng, int[] shape, int h, int w, bool ac)
    {
        var values = new float[Shapes.Count(shape)];
        for (int i = 0; i < values.Length; i++)
        {
            int size = i % 2 == 0 ? w : h;
            double pixel = rng.Next(-2, size + 1) + 0.1 + 0.8 * rng.NextDouble();
            values[i] = (float)(ac ? 2 * pixel / (size - 1) - 1 : (2 * pixel + 1) / size - 1);
        }
        var t = Tensor.FromArray(values, shape);
        t.RequiresGrad = true;
        return t;
    }

    [Fact]
    public void BadArgumentsThrow()
    {
        var e = Assert.Throws<ArgumentException>(() => Square.GridSample(Tensor.Zeros(1, 2, 2, 3)));
        Assert.Contains("[1, 2, 2, 3]", e.Message);
        Assert.Contains("[1, 1, 2, 2]", e.Message);
        Assert.Throws<ArgumentException>(() => Square.GridSample(Tensor.Zeros(2, 2, 2, 2)));
    }
}
