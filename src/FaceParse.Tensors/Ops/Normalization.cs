using System.Numerics.Tensors;

namespace FaceParse.Tensors;

// layer_norm, LayerNorm2d, batch_norm, group_norm, instance_norm with fused analytic backward rules.
// Variance is always the biased one inside √(var + eps), as torch normalises.
public sealed partial class Tensor
{
    /// <summary>torch.nn.functional.layer_norm over the last dimension: (x − mean)/√(var + eps)·w + b.</summary>
    public Tensor LayerNorm(Tensor? weight = null, Tensor? bias = null, float eps = 1e-5f) // [..., D], w[D]?, b[D]? → [..., D]
    {
        if (Rank == 0) throw new ArgumentException("layer_norm: input must have at least one dimension, got [].");
        int d = _shape[^1], rows = Count / Math.Max(d, 1);
        float[]? w = AffineParameter(weight, d, "layer_norm", "weight"), b = AffineParameter(bias, d, "layer_norm", "bias");
        var x = Contiguous();
        float[] xd = x._data, mean = new float[rows], rstd = new float[rows];
        int xo = x.Offset;
        var y = Empty(_shape);
        float[] yd = y._data;
        Runtime.Parallelism.For(rows, r =>
        {
            var src = xd.AsSpan(xo + r * d, d);
            var dst = yd.AsSpan(r * d, d);
            mean[r] = TensorPrimitives.Sum(src) / d;
            TensorPrimitives.Subtract(src, mean[r], dst);
            rstd[r] = 1f / MathF.Sqrt(TensorPrimitives.SumOfSquares(dst) / d + eps);
            TensorPrimitives.Multiply(dst, rstd[r], dst);
            if (w is not null) TensorPrimitives.Multiply(dst, w, dst);
            if (b is not null) TensorPrimitives.Add(dst, b, dst);
        });
        return y.Record("layer_norm", Present(this, weight, bias), g =>
        {
            var gc = g.Contiguous();
            float[] gd = gc._data;
            int go = gc.Offset;
            var dx = Empty(_shape);
            float[] dd = dx._data;
            // dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) with ĝ = g·w, per row.
            Runtime.Parallelism.For(rows, r =>
            {
                var gr = gd.AsSpan(go + r * d, d);
                var xh = dd.AsSpan(r * d, d);
                TensorPrimitives.Subtract(xd.AsSpan(xo + r * d, d), mean[r], xh);
                TensorPrimitives.Multiply(xh, rstd[r], xh);
                Span<float> gw = d <= 2048 ? stackalloc float[d] : new float[d]; // one array per row was most of a SegFace step's garbage
                if (w is not null) TensorPrimitives.Multiply(gr, w, gw);
                else gr.CopyTo(gw);
                float a = TensorPrimitives.Sum(gw) / d, bb = TensorPrimitives.Dot(gw, xh) / d;
                TensorPrimitives.MultiplyAdd(xh, -bb, gw, xh);
                TensorPrimitives.Subtract(xh, a, xh);
                TensorPrimitives.Multiply(xh, rstd[r], xh);
            });
            AccumulateGrad(dx);
            if (weight is { RequiresGrad: true } || bias is { RequiresGrad: true })
            {
                float[] dw = new float[d], db = new float[d], xh = new float[d];
                for (int r = 0; r < rows; r++)
                {
                    var gr = gd.AsSpan(go + r * d, d);
                    TensorPrimitives.Subtract(xd.AsSpan(xo + r * d, d), mean[r], xh);
                    TensorPrimitives.Multiply(xh, rstd[r], xh);
                    TensorPrimitives.MultiplyAdd(gr, xh, dw, dw);
                    TensorPrimitives.Add(db, gr, db);
                }
                weight?.AccumulateGrad(FromArray(dw, d));
                bias?.AccumulateGrad(FromArray(db, d));
            }
        });
    }

    /// <summary>Channel-wise layer norm of NCHW (SAM/ConvNeXt "LayerNorm2d"): mean and biased var over C per pixel.</summary>
    public Tensor LayerNorm2d(Tensor? weight = null, Tensor? bias = null, float eps = 1e-6f) // [N, C, H, W] → same
        => ChannelNorm("layer_norm2d", NormStats.Pixel, 1, weight, bias, eps);

    /// <summary>torch.nn.functional.group_norm(x, num_groups, weight, bias, eps).</summary>
    public Tensor GroupNorm(int numGroups, Tensor? weight = null, Tensor? bias = null, float eps = 1e-5f) // [N, C, *] → same
    {
        if (Rank < 2 || numGroups <= 0 || _shape[1] % numGroups != 0)
            throw new ArgumentException($"group_norm: {numGroups} groups do not divide the channels of shape {Shapes.Format(_shape)} (need [N, C, *]).");
        return ChannelNorm("group_norm", NormStats.Group, numGroups, weight, bias, eps);
    }

    /// <summary>torch.nn.functional.instance_norm without running stats: group norm with one group per channel;
    /// no affine unless weight/bias are given.</summary>
    public Tensor InstanceNorm(Tensor? weight = null, Tensor? bias = null, float eps = 1e-5f) // [N, C, *] → same
    {
        if (Rank < 2) throw new ArgumentException($"instance_norm: input {Shapes.Format(_shape)} needs [N, C, *].");
        return ChannelNorm("instance_norm", NormStats.Group, _shape[1], weight, bias, eps);
    }

    /// <summary>torch.nn.functional.batch_norm(x, running_mean, running_var, weight, bias, training, momentum, eps).
    /// Training normalises with the batch mean and biased variance and updates the running stats in place as
    /// (1 − momentum)·running + momentum·batch, using the UNBIASED variance; eval normalises with the running stats.</summary>
    public Tensor BatchNorm2d(Tensor? runningMean, Tensor? runningVar, Tensor? weight = null, Tensor? bias = null, bool training = true, float momentum = 0.1f, float eps = 1e-5f) // [N, C, *] → same
    {
        if (Rank < 2) throw new ArgumentException($"batch_norm: input {Shapes.Format(_shape)} needs [N, C, *].");
        int c = _shape[1];
        float[]? rm = AffineParameter(runningMean, c, "batch_norm", "running_mean"), rv = AffineParameter(runningVar, c, "batch_norm", "running_var");
        if (!training)
        {
            if (rm is null || rv is null) throw new ArgumentException($"batch_norm: eval mode needs running_mean and running_var for input {Shapes.Format(_shape)}.");
            RstdFromVariance(rv, eps);
            return ChannelNorm("batch_norm", NormStats.Channel, 1, weight, bias, eps, (rm, rv));
        }
        int m = Count / c;
        if (m <= 1) throw new ArgumentException($"batch_norm: expected more than 1 value per channel when training, got input {Shapes.Format(_shape)}.");
        var y = ChannelNorm("batch_norm", NormStats.Channel, 1, weight, bias, eps, null, (mean, rstd) =>
        {
            if (runningMean is not null) Blend(runningMean, mean, momentum);
            if (runningVar is not null)
            {
                // rstd → unbiased var = (1/rstd² − eps)·m/(m − 1)
                var unbiased = rstd.Select(r => (1f / (r * r) - eps) * m / (m - 1)).ToArray();
                Blend(runningVar, unbiased, momentum);
            }
        });
        return y;
    }

    private static void Blend(Tensor running, float[] batch, float momentum)
    {
        var s = running.Span;
        for (int i = 0; i < s.Length; i++) s[i] = (1 - momentum) * s[i] + momentum * batch[i];
    }

    private static void RstdFromVariance(float[] var, float eps) => NormKernel.RstdFromVariance(var, eps);

    // x[N, C, *] normalised per `stats`; `fixedStats` (mean, rstd) skips computing them (eval batch norm);
    // `onStats` sees the computed (mean, rstd).
    private Tensor ChannelNorm(string op, NormStats stats, int groups, Tensor? weight, Tensor? bias, float eps,
        (float[] Mean, float[] Rstd)? fixedStats = null, Action<float[], float[]>? onStats = null)
    {
        if (Rank < 2 || (stats == NormStats.Pixel && Rank != 4))
            throw new ArgumentException($"{op}: input {Shapes.Format(_shape)} needs {(stats == NormStats.Pixel ? "[N, C, H, W]" : "[N, C, *]")}.");
        int n = _shape[0], c = _shape[1], s = Count / Math.Max(n * c, 1);
        float[]? w = AffineParameter(weight, c, op, "weight"), b = AffineParameter(bias, c, op, "bias");
        var kernel = new NormKernel(n, c, s, groups, stats);
        var x = Contiguous();
        float[] xd = x._data;
        int xo = x.Offset;
        var y = Empty(_shape);
        var (mean, rstd) = fixedStats ?? kernel.Statistics(xd, xo, y._data, eps);
        onStats?.Invoke(mean, rstd);
        kernel.Normalize(xd, xo, mean, rstd, w, b, y._data);
        return y.Record(op, Present(this, weight, bias), g =>
        {
            var gc = g.Contiguous();
            var dx = Empty(_shape);
            var (dw, db) = kernel.Backward(xd, xo, gc._data, gc.Offset, mean, rstd, w, fixedStats is not null, dx._data);
            AccumulateGrad(dx);
            weight?.AccumulateGrad(FromArray(dw, c));
            bias?.AccumulateGrad(FromArray(db, c));
        });
    }

    // A per-channel vector parameter as an array (null when absent), or ArgumentException naming the shapes.
    private float[]? AffineParameter(Tensor? p, int size, string op, string name)
    {
        if (p is null) return null;
        if (p.Rank != 1 || p._shape[0] != size)
            throw new ArgumentException($"{op}: {name} of shape {Shapes.Format(p._shape)} does not match {size} features of input {Shapes.Format(_shape)}.");
        return p.ToArray();
    }

    private static Tensor[] Present(params Tensor?[] tensors) => tensors.OfType<Tensor>().ToArray();
}
