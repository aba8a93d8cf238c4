namespace FaceParse.Tensors;

/// <summary>Sampling kernel of <see cref="Tensor.GridSample"/>.</summary>
public enum GridSampleMode
{
    Bilinear,
    /// <summary>Nearest pixel, rounding half to even (torch's nearbyint).</summary>
    Nearest,
}

/// <summary>What <see cref="Tensor.GridSample"/> reads outside the image.</summary>
public enum GridPadding
{
    /// <summary>Zero outside the image.</summary>
    Zeros,
    /// <summary>Coordinates clamped to the border pixels.</summary>
    Border,
}

// grid_sample: each grid point (x, y) in [-1, 1] is unnormalised to pixel coordinates, optionally clamped (border),
// and sampled. Backward: dx gets the sampling weights times g; the grid gets Σ_c g·∂sample/∂coordinate times the
// unnormalisation scale (zero where the border clamp is active, and zero for nearest).
public sealed partial class Tensor
{
    /// <summary>torch.nn.functional.grid_sample(x, grid, mode, padding_mode, align_corners).</summary>
    // x[N,C,H,W], grid[N,Hg,Wg,2] -> [N,C,Hg,Wg]
    public Tensor GridSample(Tensor grid, GridSampleMode mode = GridSampleMode.Bilinear, GridPadding padding = GridPadding.Zeros, bool alignCorners = false)
    {
        Spatial.Require4D("grid_sample", this);
        if (grid.Rank != 4 || grid.Dim(0) != _shape[0] || grid.Dim(3) != 2)
            throw new ArgumentException($"grid_sample: grid {Shapes.Format(grid.Shape)} must be [N, Hg, Wg, 2] for input {Shapes.Format(_shape)}.");
        int n = _shape[0], c = _shape[1], h = _shape[2], w = _shape[3], hg = grid.Dim(1), wg = grid.Dim(2), points = hg * wg;
        var xd = Spatial.Dense(this);
        var gd = Spatial.Dense(grid);
        var y = Empty(n, c, hg, wg);
        var sampler = new GridSampler(mode, padding, alignCorners, h, w);
        float[] xs = xd.Storage, gs = gd.Storage, ys = y.Storage;
        Runtime.Parallelism.For(n * hg, row =>
        {
            int b = row / hg;
            for (int p = row % hg * wg; p < (row % hg + 1) * wg; p++)
            {
                var s = sampler.At(gs[gd.Offset + (b * points + p) * 2], gs[gd.Offset + (b * points + p) * 2 + 1]);
                for (int ch = 0; ch < c; ch++)
                {
                    int plane = xd.Offset + (b * c + ch) * h * w;
                    float v = 0;
                    for (int k = 0; k < s.Taps; k++)
                        if (s.Valid(k)) v += s.Weight(k) * xs[plane + s.Index(k)];
                    ys[(b * c + ch) * points + p] = v;
                }
            }
        });
        return y.Record("grid_sample", [this, grid], g =>
        {
            var dy = Spatial.Dense(g);
            var dx = RequiresGrad ? Zeros(_shape) : null;
            var dgrid = grid.RequiresGrad ? Zeros(grid._shape) : null;
            float[] dys = dy.Storage;
            Runtime.Parallelism.For(n, b =>
            {
                for (int p = 0; p < points; p++)
                {
                    var s = sampler.At(gs[gd.Offset + (b * points + p) * 2], gs[gd.Offset + (b * points + p) * 2 + 1]);
                    double gx = 0, gy = 0;
                    for (int ch = 0; ch < c; ch++)
                    {
                        float gv = dys[dy.Offset + (b * c + ch) * points + p];
                        int plane = (b * c + ch) * h * w;
                        for (int k = 0; k < s.Taps; k++)
                        {
                            if (!s.Valid(k)) continue;
                            if (dx is not null) dx.Storage[plane + s.Index(k)] += s.Weight(k) * gv;
                            float v = xs[xd.Offset + plane + s.Index(k)] * gv;
                            gx += v * s.WeightDx(k);
                            gy += v * s.WeightDy(k);
                        }
                    }
                    if (dgrid is not null && mode == GridSampleMode.Bilinear)
                    {
                        dgrid.Storage[(b * points + p) * 2] = (float)(gx * s.ScaleX);
                        dgrid.Storage[(b * points + p) * 2 + 1] = (float)(gy * s.ScaleY);
                    }
                }
            });
            if (dx is not null) AccumulateGrad(dx);
            if (dgrid is not null) grid.AccumulateGrad(dgrid);
        });
    }

    // Pixel coordinates and tap weights of one grid point (4 bilinear taps nw, ne, sw, se, or 1 nearest tap).
    private readonly record struct GridPoint(int Taps, int X0, int Y0, float Fx, float Fy, int H, int W, double ScaleX, double ScaleY)
    {
        private int Tx(int k) => X0 + (k & 1);
        private int Ty(int k) => Y0 + (k >> 1);
        public bool Valid(int k) => (uint)Tx(k) < (uint)W && (uint)Ty(k) < (uint)H;
        public int Index(int k) => Ty(k) * W + Tx(k);
        // Bilinear weight (1 − fx or fx) · (1 − fy or fy); nearest has the one tap with weight 1.
        public float Weight(int k) => Taps == 1 ? 1f : ((k & 1) == 0 ? 1 - Fx : Fx) * ((k >> 1) == 0 ? 1 - Fy : Fy);
        public float WeightDx(int k) => Taps == 1 ? 0f : ((k & 1) == 0 ? -1 : 1) * ((k >> 1) == 0 ? 1 - Fy : Fy);
        public float WeightDy(int k) => Taps == 1 ? 0f : ((k >> 1) == 0 ? -1 : 1) * ((k & 1) == 0 ? 1 - Fx : Fx);
    }

    private readonly record struct GridSampler(GridSampleMode Mode, GridPadding Padding, bool AlignCorners, int H, int W)
    {
        public GridPoint At(float gx, float gy)
        {
            var (x, sx) = Coordinate(gx, W);
            var (y, sy) = Coordinate(gy, H);
            if (Mode == GridSampleMode.Nearest)
                return new GridPoint(1, (int)MathF.Round(x, MidpointRounding.ToEven), (int)MathF.Round(y, MidpointRounding.ToEven), 0, 0, H, W, 0, 0);
            int x0 = (int)MathF.Floor(x), y0 = (int)MathF.Floor(y);
            return new GridPoint(4, x0, y0, x - x0, y - y0, H, W, sx, sy);
        }

        // Unnormalised coordinate and d(coordinate)/d(grid value), zero where the border clamp is active (torch's rule).
        private (float Value, double Scale) Coordinate(float g, int size)
        {
            float v = AlignCorners ? (g + 1) / 2 * (size - 1) : ((g + 1) * size - 1) / 2;
            double scale = AlignCorners ? (size - 1) / 2.0 : size / 2.0;
            if (Padding == GridPadding.Border)
            {
                if (v <= 0) return (0, 0);
                if (v >= size - 1) return (size - 1, 0);
            }
            return (v, scale);
        }
    }
}
