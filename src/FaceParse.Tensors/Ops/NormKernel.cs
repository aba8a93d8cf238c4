using System.Numerics.Tensors;

namespace FaceParse.Tensors;

/// <summary>Which elements of x[N, C, S] share one mean/variance.</summary>
internal enum NormStats
{
    /// <summary>Per (n, group of C/G channels), over those channels and S (group_norm, instance_norm).</summary>
    Group,
    /// <summary>Per (n, s), over C (channel-wise layer norm of NCHW, "LayerNorm2d").</summary>
    Pixel,
    /// <summary>Per c, over N and S (batch_norm).</summary>
    Channel,
}

/// <summary>Fused forward/backward of normalisations of x[N, C, S] with a per-channel affine, any <see cref="NormStats"/>.</summary>
/// <remarks>Work is done on contiguous runs x[n, c, :] of S elements. Runs of different parallel tasks touch disjoint
/// statistics: tasks are channels for <see cref="NormStats.Channel"/>, batch items otherwise.
/// Backward: with ĝ = g·w[c], dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) over each statistics set (only rstd·ĝ when the
/// statistics are constants, as in eval-mode batch norm); dw[c] = Σ g·x̂, db[c] = Σ g.</remarks>
internal sealed class NormKernel(int n, int c, int s, int groups, NormStats stats)
{
    public int K => stats switch { NormStats.Group => n * groups, NormStats.Pixel => n * s, _ => c };
    public int M => stats switch { NormStats.Group => c / groups * s, NormStats.Pixel => c, _ => n * s };

    private int StatOf(int ni, int ci) => stats == NormStats.Group ? ni * groups + ci / (c / groups) : ci;

    private void ForRuns(Action<int, int> body) // (n, c)
    {
        if (stats == NormStats.Channel) Runtime.Parallelism.For(c, ci => { for (int ni = 0; ni < n; ni++) body(ni, ci); });
        else Runtime.Parallelism.For(n, ni => { for (int ci = 0; ci < c; ci++) body(ni, ci); });
    }

    /// <summary>Mean and rstd = 1/√(biased var + eps) of x (contiguous at xo), each of length K; y is scratch.</summary>
    public (float[] Mean, float[] Rstd) Statistics(float[] x, int xo, float[] y, float eps)
    {
        float[] mean = new float[K], rstd = new float[K];
        ForRuns((ni, ci) =>
        {
            var run = x.AsSpan(xo + (ni * c + ci) * s, s);
            if (stats == NormStats.Pixel) TensorPrimitives.Add(mean.AsSpan(ni * s, s), run, mean.AsSpan(ni * s, s));
            else mean[StatOf(ni, ci)] += TensorPrimitives.Sum(run);
        });
        TensorPrimitives.Multiply(mean, 1f / M, mean);
        ForRuns((ni, ci) =>
        {
            int at = (ni * c + ci) * s;
            var d = y.AsSpan(at, s);
            if (stats == NormStats.Pixel)
            {
                TensorPrimitives.Subtract(x.AsSpan(xo + at, s), mean.AsSpan(ni * s, s), d);
                TensorPrimitives.MultiplyAdd(d, d, rstd.AsSpan(ni * s, s), rstd.AsSpan(ni * s, s));
            }
            else
            {
                TensorPrimitives.Subtract(x.AsSpan(xo + at, s), mean[StatOf(ni, ci)], d);
                rstd[StatOf(ni, ci)] += TensorPrimitives.SumOfSquares(d);
            }
        });
        TensorPrimitives.Multiply(rstd, 1f / M, rstd); // biased variance
        RstdFromVariance(rstd, eps);
        return (mean, rstd);
    }

    /// <summary>var → 1/√(var + eps), in place.</summary>
    public static void RstdFromVariance(Span<float> v, float eps)
    {
        TensorPrimitives.Add(v, eps, v);
        TensorPrimitives.ReciprocalSqrt(v, v);
    }

    /// <summary>y = (x − mean)·rstd·w[c] + b[c].</summary>
    public void Normalize(float[] x, int xo, float[] mean, float[] rstd, float[]? w, float[]? b, float[] y)
    {
        ForRuns((ni, ci) =>
        {
            int at = (ni * c + ci) * s;
            var src = x.AsSpan(xo + at, s);
            var d = y.AsSpan(at, s);
            float wc = w?[ci] ?? 1f, bc = b?[ci] ?? 0f;
            if (stats == NormStats.Pixel)
            {
                TensorPrimitives.Subtract(src, mean.AsSpan(ni * s, s), d);
                TensorPrimitives.Multiply(d, rstd.AsSpan(ni * s, s), d);
                TensorPrimitives.Multiply(d, wc, d);
                TensorPrimitives.Add(d, bc, d);
            }
            else
            {
                int k = StatOf(ni, ci);
                float scale = rstd[k] * wc;
                TensorPrimitives.Multiply(src, scale, d);
                TensorPrimitives.Add(d, bc - mean[k] * scale, d);
            }
        });
    }

    /// <summary>dx (contiguous, length N·C·S), and per-channel dw, db. <paramref name="constantStats"/>: the
    /// statistics do not depend on x (eval-mode batch norm).</summary>
    public (float[] Dw, float[] Db) Backward(float[] x, int xo, float[] g, int go, float[] mean, float[] rstd, float[]? w, bool constantStats, float[] dx)
    {
        float[] dwp = new float[n * c], dbp = new float[n * c], sumG = new float[K], sumGx = new float[K];
        ForRuns((ni, ci) =>
        {
            int at = (ni * c + ci) * s;
            var gr = g.AsSpan(go + at, s);
            var d = dx.AsSpan(at, s); // scratch: x̂, then g·x̂
            float wc = w?[ci] ?? 1f;
            if (stats == NormStats.Pixel)
            {
                TensorPrimitives.Subtract(x.AsSpan(xo + at, s), mean.AsSpan(ni * s, s), d);
                TensorPrimitives.Multiply(d, rstd.AsSpan(ni * s, s), d);
                TensorPrimitives.Multiply(d, gr, d);
                dwp[ni * c + ci] = TensorPrimitives.Sum(d);
                dbp[ni * c + ci] = TensorPrimitives.Sum(gr);
                TensorPrimitives.MultiplyAdd(d, wc, sumGx.AsSpan(ni * s, s), sumGx.AsSpan(ni * s, s));
                TensorPrimitives.MultiplyAdd(gr, wc, sumG.AsSpan(ni * s, s), sumG.AsSpan(ni * s, s));
            }
            else
            {
                int k = StatOf(ni, ci);
                TensorPrimitives.Subtract(x.AsSpan(xo + at, s), mean[k], d);
                float gx = TensorPrimitives.Dot(d, gr) * rstd[k], sg = TensorPrimitives.Sum(gr);
                dwp[ni * c + ci] = gx;
                dbp[ni * c + ci] = sg;
                sumGx[k] += wc * gx;
                sumG[k] += wc * sg;
            }
        });
        if (constantStats)
        {
            Array.Clear(sumG);
            Array.Clear(sumGx);
        }
        TensorPrimitives.Multiply(sumG, 1f / M, sumG);
        TensorPrimitives.Multiply(sumGx, 1f / M, sumGx);
        ForRuns((ni, ci) =>
        {
            int at = (ni * c + ci) * s;
            var src = x.AsSpan(xo + at, s);
            var gr = g.AsSpan(go + at, s);
            var d = dx.AsSpan(at, s);
            float wc = w?[ci] ?? 1f;
            if (stats == NormStats.Pixel)
            {
                var rv = rstd.AsSpan(ni * s, s);
                TensorPrimitives.Subtract(src, mean.AsSpan(ni * s, s), d);
                TensorPrimitives.Multiply(d, rv, d);
                TensorPrimitives.Multiply(d, sumGx.AsSpan(ni * s, s), d);
                TensorPrimitives.Add(d, sumG.AsSpan(ni * s, s), d);
                TensorPrimitives.Negate(d, d);
                TensorPrimitives.MultiplyAdd(gr, wc, d, d);
                TensorPrimitives.Multiply(d, rv, d);
            }
            else
            {
                // dx = α·g + β·x + γ with α = rstd·w, β = −rstd²·B, γ = −rstd·A + mean·rstd²·B
                int k = StatOf(ni, ci);
                float r = rstd[k], beta = -r * r * sumGx[k], gamma = -r * sumG[k] - mean[k] * beta;
                TensorPrimitives.Multiply(src, beta, d);
                TensorPrimitives.Add(d, gamma, d);
                TensorPrimitives.MultiplyAdd(gr, r * wc, d, d);
            }
        });
        float[] dw = new float[c], db = new float[c];
        for (int ni = 0; ni < n; ni++)
        {
            TensorPrimitives.Add(dw, dwp.AsSpan(ni * c, c), dw);
            TensorPrimitives.Add(db, dbp.AsSpan(ni * c, c), db);
        }
        return (dw, db);
    }
}
