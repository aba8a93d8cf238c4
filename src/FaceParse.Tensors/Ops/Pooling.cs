namespace FaceParse.Tensors;

// 2-D pooling over [N,C,H,W], one (n, c) plane per parallel task. Max pooling keeps the argmax of each window and
// routes gradients to it; the averaging pools scatter g / divisor over the window they read.
public sealed partial class Tensor
{
    /// <summary>torch.nn.functional.max_pool2d(x, kernel, stride (default = kernel), padding, dilation, ceil_mode).</summary>
    /// <remarks>Padding counts as −∞; ties and NaN follow torch (first maximum wins, NaN propagates).</remarks>
    // x[N,C,H,W] -> [N,C,Ho,Wo]
    public Tensor MaxPool2d(Size2D kernel, Size2D? stride = null, Size2D? padding = null, Size2D? dilation = null, bool ceilMode = false)
    {
        Spatial.Require4D("max_pool2d", this);
        Size2D s = stride ?? kernel, p = padding ?? 0, d = dilation ?? 1;
        int ho = PoolOutSize("max_pool2d", _shape[2], kernel.H, s.H, p.H, d.H, ceilMode, maxPool: true);
        int wo = PoolOutSize("max_pool2d", _shape[3], kernel.W, s.W, p.W, d.W, ceilMode, maxPool: true);
        int planes = _shape[0] * _shape[1], h = _shape[2], w = _shape[3];
        var xd = Spatial.Dense(this);
        var y = Empty(_shape[0], _shape[1], ho, wo);
        // the window maxima's positions, for the gradient only: none under no_grad or for an input that needs no gradient
        int[]? argmax = GradMode.Enabled && RequiresGrad ? new int[planes * ho * wo] : null;
        float[] xs = xd.Storage, ys = y.Storage;
        int xo = xd.Offset;
        Runtime.Parallelism.For(planes, plane =>
        {
            int src = xo + plane * h * w, o = plane * ho * wo;
            for (int oy = 0; oy < ho; oy++)
            for (int ox = 0; ox < wo; ox++, o++)
            {
                int y0 = oy * s.H - p.H, x0 = ox * s.W - p.W;
                float best = float.NegativeInfinity;
                int bestAt = -1; // torch starts from the first in-range tap, so an all −∞ window still has an argmax
                for (int ky = 0; ky < kernel.H; ky++)
                {
                    int iy = y0 + ky * d.H;
                    if ((uint)iy >= (uint)h) continue;
                    for (int kx = 0; kx < kernel.W; kx++)
                    {
                        int ix = x0 + kx * d.W;
                        if ((uint)ix >= (uint)w) continue;
                        float v = xs[src + iy * w + ix];
                        if (bestAt < 0 || v > best || float.IsNaN(v)) { best = v; bestAt = iy * w + ix; }
                    }
                }
                ys[o] = best;
                if (argmax is not null) argmax[o] = bestAt;
            }
        });
        return y.Record("max_pool2d", [this], g =>
        {
            var gd = Spatial.Dense(g);
            var dx = Zeros(_shape);
            float[] gs = gd.Storage, dxs = dx.Storage;
            int go = gd.Offset;
            Runtime.Parallelism.For(planes, plane =>
            {
                for (int o = plane * ho * wo; o < (plane + 1) * ho * wo; o++) dxs[plane * h * w + argmax![o]] += gs[go + o];
            });
            AccumulateGrad(dx);
        });
    }

    /// <summary>torch.nn.functional.avg_pool2d(x, kernel, stride (default = kernel), padding, ceil_mode, count_include_pad).</summary>
    // x[N,C,H,W] -> [N,C,Ho,Wo]
    public Tensor AvgPool2d(Size2D kernel, Size2D? stride = null, Size2D? padding = null, bool ceilMode = false, bool countIncludePad = true)
    {
        Spatial.Require4D("avg_pool2d", this);
        Size2D s = stride ?? kernel, p = padding ?? 0;
        int ho = PoolOutSize("avg_pool2d", _shape[2], kernel.H, s.H, p.H, 1, ceilMode, maxPool: false);
        int wo = PoolOutSize("avg_pool2d", _shape[3], kernel.W, s.W, p.W, 1, ceilMode, maxPool: false);
        return WindowMean("avg_pool2d", AvgWindows(_shape[2], ho, kernel.H, s.H, p.H, countIncludePad), AvgWindows(_shape[3], wo, kernel.W, s.W, p.W, countIncludePad));
    }

    /// <summary>torch.nn.functional.adaptive_avg_pool2d(x, (outH, outW)): bin i spans [floor(i·in/out), ceil((i+1)·in/out)).</summary>
    // x[N,C,H,W] -> [N,C,outH,outW]
    public Tensor AdaptiveAvgPool2d(int outH, int outW)
    {
        Spatial.Require4D("adaptive_avg_pool2d", this);
        if (outH < 1 || outW < 1) throw new ArgumentException($"adaptive_avg_pool2d: output size {outH}x{outW} must be positive for input {Shapes.Format(_shape)}.");
        return WindowMean("adaptive_avg_pool2d", AdaptiveWindows(_shape[2], outH), AdaptiveWindows(_shape[3], outW));
    }

    private readonly record struct PoolWindow(int Start, int End, int Divisor);

    private static PoolWindow[] AdaptiveWindows(int input, int output)
    {
        var r = new PoolWindow[output];
        for (int i = 0; i < output; i++)
        {
            int start = (int)((long)i * input / output), end = (int)(((long)(i + 1) * input + output - 1) / output);
            r[i] = new PoolWindow(start, end, end - start);
        }
        return r;
    }

    // torch avg_pool2d: the window is clipped to [−pad, in+pad) for the padded count, then to [0, in).
    private static PoolWindow[] AvgWindows(int input, int output, int k, int s, int p, bool countIncludePad)
    {
        var r = new PoolWindow[output];
        for (int i = 0; i < output; i++)
        {
            int start = i * s - p, end = Math.Min(start + k, input + p), padded = end - start;
            start = Math.Max(start, 0);
            end = Math.Min(end, input);
            r[i] = new PoolWindow(start, end, countIncludePad ? padded : end - start);
        }
        return r;
    }

    // y[n,c,i,j] = Σ_{window i×j} x / (divH_i·divW_j); separable windows along H and W.
    private Tensor WindowMean(string op, PoolWindow[] rows, PoolWindow[] cols)
    {
        int planes = _shape[0] * _shape[1], h = _shape[2], w = _shape[3], ho = rows.Length, wo = cols.Length;
        var xd = Spatial.Dense(this);
        var y = Empty(_shape[0], _shape[1], ho, wo);
        float[] xs = xd.Storage, ys = y.Storage;
        int xo = xd.Offset;
        Runtime.Parallelism.For(planes, plane =>
        {
            int src = xo + plane * h * w, o = plane * ho * wo;
            foreach (var r in rows)
            foreach (var c in cols)
            {
                double sum = 0;
                for (int iy = r.Start; iy < r.End; iy++)
                for (int ix = c.Start; ix < c.End; ix++) sum += xs[src + iy * w + ix];
                ys[o++] = (float)(sum / ((double)r.Divisor * c.Divisor));
            }
        });
        return y.Record(op, [this], g =>
        {
            var gd = Spatial.Dense(g);
            var dx = Zeros(_shape);
            float[] gs = gd.Storage, dxs = dx.Storage;
            int go = gd.Offset;
            Runtime.Parallelism.For(planes, plane =>
            {
                int dst = plane * h * w, o = go + plane * ho * wo;
                foreach (var r in rows)
                foreach (var c in cols)
                {
                    float v = (float)(gs[o++] / ((double)r.Divisor * c.Divisor));
                    for (int iy = r.Start; iy < r.End; iy++)
                    for (int ix = c.Start; ix < c.End; ix++) dxs[dst + iy * w + ix] += v;
                }
            });
            AccumulateGrad(dx);
        });
    }

    // torch's pooling_output_shape plus its argument checks (padding at most half the effective kernel).
    private int PoolOutSize(string op, int input, int k, int s, int p, int d, bool ceil, bool maxPool)
    {
        int effective = maxPool ? (k - 1) * d + 1 : k;
        if (k < 1 || s < 1 || d < 1 || p < 0 || p > effective / 2)
            throw new ArgumentException($"{op}: kernel {k}, stride {s}, padding {p}, dilation {d} invalid for input {Shapes.Format(_shape)} (need positive sizes and padding <= half the kernel).");
        int num = input + 2 * p - d * (k - 1) - 1 + (ceil ? s - 1 : 0);
        int output = (int)Math.Floor((double)num / s) + 1;
        if (ceil && (output - 1) * s >= input + p) output--;
        if (output < 1) throw new ArgumentException($"{op}: input {Shapes.Format(_shape)} is too small for kernel {k} (stride {s}, padding {p}, dilation {d}).");
        return output;
    }
}
