namespace FaceParse.Imaging.Jpeg;

/// <summary>Forward DCT + quantisation for the encoder: a separable orthonormal-scaled DCT-II in double precision
/// (F(u,v) = ¼·C(u)C(v)·ΣΣ f(x,y)·cos… as in T.81 A.3.3), rounded to the nearest quantiser step.</summary>
internal static class JpegForwardDct
{
    /// <summary>Basis[u·8 + x] = ½·C(u)·cos((2x+1)uπ/16), C(0) = 1/√2, else 1.</summary>
    private static readonly double[] Basis = BuildBasis();

    private static double[] BuildBasis()
    {
        var m = new double[64];
        for (int u = 0; u < 8; u++)
            for (int x = 0; x < 8; x++)
                m[u * 8 + x] = 0.5 * (u == 0 ? Math.Sqrt(0.5) : 1.0) * Math.Cos((2 * x + 1) * u * Math.PI / 16);
        return m;
    }

    /// <summary>samples: 8x8 bytes at src (stride) → 64 quantised coefficients in zig-zag order; quant in natural order.</summary>
    public static void Transform(ReadOnlySpan<byte> src, int stride, ReadOnlySpan<ushort> quant, Span<short> zigzagOut)
    {
        Span<double> rows = stackalloc double[64];
        // Rows: rows[y·8 + u] = Σx Basis[u,x]·(f(x,y) − 128).
        for (int y = 0; y < 8; y++)
        {
            var line = src.Slice(y * stride, 8);
            for (int u = 0; u < 8; u++)
            {
                double s = 0;
                for (int x = 0; x < 8; x++) s += Basis[u * 8 + x] * (line[x] - 128);
                rows[y * 8 + u] = s;
            }
        }
        // Columns, then quantise and reorder.
        ReadOnlySpan<byte> zigzag = JpegTables.ZigZag;
        Span<short> natural = stackalloc short[64];
        for (int v = 0; v < 8; v++)
        {
            for (int u = 0; u < 8; u++)
            {
                double s = 0;
                for (int y = 0; y < 8; y++) s += Basis[v * 8 + y] * rows[y * 8 + u];
                natural[v * 8 + u] = (short)Math.Round(s / quant[v * 8 + u], MidpointRounding.AwayFromZero);
            }
        }
        for (int k = 0; k < 64; k++) zigzagOut[k] = natural[zigzag[k]];
    }
}
