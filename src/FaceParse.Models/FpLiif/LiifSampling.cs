using FaceParse.Tensors;

namespace FaceParse.Models.FpLiif;

/// <summary>One evaluation of the pixel MLP for each of M query points: where to sample the reduced latent
/// (grid_sample order (x, y), align_corners=False), the positional encoding, and the blend weight (null: 1).</summary>
/// <param name="Grid">[M, 2] sampling coordinates (x, y) in [-1, 1].</param>
/// <param name="Encoding">[M, P] positional encoding.</param>
/// <param name="Weight">[M] local-ensemble weight, or null for a single tap.</param>
internal sealed record QueryTap(float[] Grid, float[] Encoding, float[]? Weight);

/// <summary>LIIF's coordinate geometry, computed on plain arrays (coordinates carry no gradient). Query coordinates
/// are (y, x) pixel centres in [-1, 1]: c_i = −1 + (2i + 1)/n per axis.</summary>
internal static class LiifSampling
{
    private const float EnsembleShift = 1e-6f, ClampMargin = 1e-6f, AreaEpsilon = 1e-9f;

    /// <summary>Centre of cell <paramref name="i"/> of <paramref name="n"/> along one axis.</summary>
    public static float Centre(int i, int n) => -1f + (2f * i + 1f) / n;

    /// <summary>(y, x) centres of rows [rowStart, rowStart + rows) of an outH × outW grid, row-major.</summary>
    // → [rows·outW, 2]
    public static float[] GridCoords(int outH, int outW, int rowStart, int rows)
    {
        var coords = new float[rows * outW * 2];
        for (int r = 0; r < rows; r++)
            for (int x = 0; x < outW; x++)
            {
                int p = (r * outW + x) * 2;
                coords[p] = Centre(rowStart + r, outH);
                coords[p + 1] = Centre(x, outW);
            }
        return coords;
    }

    /// <summary>Index of the latent cell grid_sample 'nearest' (align_corners=False) picks for coordinate c.</summary>
    public static int NearestIndex(float c, int n)
    {
        float u = ((c + 1f) * n - 1f) / 2f;
        return Math.Clamp((int)MathF.Round(u, MidpointRounding.ToEven), 0, n - 1);
    }

    /// <summary>The cell of an outH × outW output grid: the extent (y, x) of one output pixel in [-1, 1] coordinates.</summary>
    public static (float Y, float X) CellOf(Size2D outputGrid) => (2f / outputGrid.H, 2f / outputGrid.W);

    /// <summary>The taps of every query point of an outH × outW output grid (<see cref="TapsForCell"/> with its cell).</summary>
    public static QueryTap[] Taps(FpLiifConfig config, ReadOnlySpan<float> coords, int hf, int wf, Size2D outputGrid) =>
        TapsForCell(config, coords, hf, wf, CellOf(outputGrid));

    /// <summary>The taps of every query point in <paramref name="coords"/> ([M, 2], (y, x)) against an hf × wf latent,
    /// for queries whose output pixels have extent <paramref name="cell"/> (y, x) in [-1, 1] coordinates (the cell term).</summary>
    public static QueryTap[] TapsForCell(FpLiifConfig config, ReadOnlySpan<float> coords, int hf, int wf, (float Y, float X) cell)
    {
        int m = coords.Length / 2;
        if (config.Upsampling != FpLiifUpsampling.LocalEnsemble)
            return [Tap(config, coords, hf, wf, cell, 0, 0, config.Upsampling == FpLiifUpsampling.Bilinear, null)];
        var areas = new float[4][];
        var taps = new QueryTap[4];
        int t = 0;
        foreach (int vy in (int[])[-1, 1])
            foreach (int vx in (int[])[-1, 1])
            {
                areas[t] = new float[m];
                taps[t] = Tap(config, coords, hf, wf, cell, vy, vx, false, areas[t]);
                t++;
            }
        // LIIF blends each prediction with the area of the diagonally opposite rectangle (bilinear-like weights).
        for (int p = 0; p < m; p++)
        {
            float total = areas[0][p] + areas[1][p] + areas[2][p] + areas[3][p];
            for (int k = 0; k < 4; k++) taps[k].Weight![p] = areas[3 - k][p] / total;
        }
        return taps;
    }

    private static QueryTap Tap(FpLiifConfig config, ReadOnlySpan<float> coords, int hf, int wf, (float Y, float X) cell, int vy, int vx,
        bool sampleAtQuery, float[]? area)
    {
        int m = coords.Length / 2, dims = config.PositionalDims;
        var grid = new float[m * 2];
        var encoding = new float[m * dims];
        float shift = vy == 0 && vx == 0 ? 0f : EnsembleShift;
        for (int p = 0; p < m; p++)
        {
            float cy = coords[2 * p], cx = coords[2 * p + 1];
            float sy = Math.Clamp(cy + vy / (float)hf + shift, -1f + ClampMargin, 1f - ClampMargin);
            float sx = Math.Clamp(cx + vx / (float)wf + shift, -1f + ClampMargin, 1f - ClampMargin);
            float qy = Centre(NearestIndex(sy, hf), hf), qx = Centre(NearestIndex(sx, wf), wf);
            grid[2 * p] = sampleAtQuery ? cx : qx;
            grid[2 * p + 1] = sampleAtQuery ? cy : qy;
            float ry = (cy - qy) * hf, rx = (cx - qx) * wf;
            if (area is not null) area[p] = MathF.Abs(ry * rx) + AreaEpsilon;
            var enc = encoding.AsSpan(p * dims, dims);
            if (config.PositionalEncoding == FpLiifPositionalEncoding.LiifRelative)
            {
                enc[0] = ry;
                enc[1] = rx;
                enc[2] = cell.Y * hf;
                enc[3] = cell.X * wf;
            }
            else Sinusoid(cy, cx, config.SinusoidalFrequencies, enc);
        }
        return new QueryTap(grid, encoding, area is null ? null : new float[m]);
    }

    // enc = [sin(2^k π y)]_k, [cos(2^k π y)]_k, [sin(2^k π x)]_k, [cos(2^k π x)]_k
    private static void Sinusoid(float y, float x, int frequencies, Span<float> enc)
    {
        for (int k = 0; k < frequencies; k++)
        {
            float fy = MathF.PI * (1 << k) * y, fx = MathF.PI * (1 << k) * x;
            enc[k] = MathF.Sin(fy);
            enc[frequencies + k] = MathF.Cos(fy);
            enc[2 * frequencies + k] = MathF.Sin(fx);
            enc[3 * frequencies + k] = MathF.Cos(fx);
        }
    }
}
