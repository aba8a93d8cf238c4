using System.Numerics;
using System.Numerics.Tensors;
using FaceParse.Tensors.Kernels;

namespace FaceParse.Tensors;

// Activation functions (torch.nn.functional.*) and dropout, all elementwise through Unary().
public sealed partial class Tensor
{
    /// <summary>torch.nn.functional.relu. Gradient g where y &gt; 0.</summary>
    public Tensor Relu() => Unary("relu", (x, y) => TensorPrimitives.Max(x, 0f, y), (_, y, g, dx) => // [*] → [*]
    {
        for (int i = 0; i < y.Length; i++) dx[i] = y[i] > 0 ? g[i] : 0f;
    });

    /// <summary>torch.nn.functional.leaky_relu(x, negative_slope). Gradient g for x &gt; 0, slope·g otherwise.</summary>
    public Tensor LeakyRelu(float negativeSlope = 0.01f) => Unary("leaky_relu", (x, y) => // [*] → [*]
    {
        for (int i = 0; i < x.Length; i++) y[i] = x[i] > 0 ? x[i] : x[i] * negativeSlope;
    }, (x, _, g, dx) =>
    {
        for (int i = 0; i < x.Length; i++) dx[i] = x[i] > 0 ? g[i] : g[i] * negativeSlope;
    });

    /// <summary>torch.nn.functional.prelu(x, weight): x where x &gt; 0, weight_c·x elsewhere, with one slope per channel (dim 1;
    /// <paramref name="weight"/> [C]) or one shared slope (weight [1]). Gradients like torch: dx = g where x &gt; 0, weight_c·g
    /// elsewhere (x = 0 included); dweight_c = Σ g·x over the elements of channel c with x ≤ 0.</summary>
    /// <remarks>One pass and one output buffer (the composite relu(x) − weight·relu(−x) makes five).</remarks>
    // x [N, C, *] (or [*] with a single slope), weight [C] → [N, C, *]
    public Tensor PRelu(Tensor weight)
    {
        ArgumentNullException.ThrowIfNull(weight);
        int channels = Rank >= 2 ? _shape[1] : 1;
        if (weight.Rank != 1 || (weight.Count != 1 && weight.Count != channels))
            throw new ArgumentException($"prelu: weight {Shapes.Format(weight.ShapeArray)} must be [1] or [{channels}] (the channels, dim 1) for input {Shapes.Format(_shape)}.");
        int c = weight.Count, inner = Rank >= 2 && Count > 0 ? Count / (_shape[0] * channels) : Count, rows = Count / Math.Max(1, inner);
        if (c == 1) (inner, rows) = (Count, Count == 0 ? 0 : 1); // one slope: the whole tensor is one run
        var x = Contiguous();
        var slopes = weight.Contiguous().ToArray();
        var y = Empty(_shape);
        float[] xd = x._data, yd = y._data;
        int xo = x.Offset;
        // rows of `inner` elements, row r under slope r % c; runs of whole rows per parallel task
        int rowsPerTask = Math.Max(1, ElementwiseChunk / Math.Max(1, inner));
        Runtime.Parallelism.For((rows + rowsPerTask - 1) / rowsPerTask, t =>
        {
            for (int r = t * rowsPerTask; r < Math.Min(rows, (t + 1) * rowsPerTask); r++)
                PReluRow(xd.AsSpan(xo + r * inner, inner), slopes[r % c], yd.AsSpan(r * inner, inner));
        });
        return y.Record("prelu", [this, weight], g =>
        {
            var gc = g.Contiguous();
            float[] gd = gc._data;
            int go = gc.Offset;
            if (RequiresGrad)
            {
                var dx = Empty(_shape);
                float[] dd = dx._data;
                Runtime.Parallelism.For((rows + rowsPerTask - 1) / rowsPerTask, t =>
                {
                    for (int r = t * rowsPerTask; r < Math.Min(rows, (t + 1) * rowsPerTask); r++)
                        for (int i = 0; i < inner; i++)
                        {
                            float v = xd[xo + r * inner + i], gv = gd[go + r * inner + i];
                            dd[r * inner + i] = v > 0 ? gv : slopes[r % c] * gv;
                        }
                });
                AccumulateGrad(dx);
            }
            if (weight.RequiresGrad)
            {
                var dw = new double[c];
                Runtime.Parallelism.For(c, ch =>
                {
                    double sum = 0;
                    for (int r = ch; r < rows; r += c)
                        for (int i = 0; i < inner; i++)
                        {
                            float v = xd[xo + r * inner + i];
                            if (!(v > 0)) sum += (double)gd[go + r * inner + i] * v;
                        }
                    dw[ch] = sum;
                });
                weight.AccumulateGrad(FromArray(Array.ConvertAll(dw, v => (float)v), [c]));
            }
        });
    }

    // y = x > 0 ? x : slope·x over one run of a channel (NaN stays NaN)
    private static void PReluRow(ReadOnlySpan<float> x, float slope, Span<float> y)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var a = new Vector<float>(slope);
            for (int w = Vector<float>.Count; i + w <= x.Length; i += w)
            {
                var v = new Vector<float>(x[i..]);
                Vector.ConditionalSelect(Vector.GreaterThan(v, Vector<float>.Zero), v, v * a).CopyTo(y[i..]);
            }
        }
        for (; i < x.Length; i++) y[i] = x[i] > 0 ? x[i] : slope * x[i];
    }

    /// <summary>torch.nn.functional.gelu with approximate='none': x·Φ(x) with exact erf. Gradient Φ(x) + x·φ(x).</summary>
    public Tensor Gelu() => Unary("gelu", (x, y) => // [*] → [*]
    {
        for (int i = 0; i < x.Length; i++) y[i] = Activations.Gelu(x[i]);
    }, (x, _, g, dx) =>
    {
        const double InvSqrt2Pi = 0.39894228040143267794;
        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i];
            double cdf = Activations.NormalCdf(v);
            dx[i] = (float)(g[i] * (cdf + v * InvSqrt2Pi * Math.Exp(-0.5 * v * v)));
        }
    });

    /// <summary>torch.sigmoid. Gradient y(1−y)·g.</summary>
    public Tensor Sigmoid() => Unary("sigmoid", TensorPrimitives.Sigmoid, (_, y, g, dx) => // [*] → [*]
    {
        for (int i = 0; i < y.Length; i++) dx[i] = g[i] * y[i] * (1 - y[i]);
    });

    /// <summary>torch.tanh. Gradient (1−y²)·g.</summary>
    public Tensor Tanh() => Unary("tanh", TensorPrimitives.Tanh, (_, y, g, dx) => // [*] → [*]
    {
        for (int i = 0; i < y.Length; i++) dx[i] = g[i] * (1 - y[i] * y[i]);
    });

    /// <summary>torch.nn.functional.silu: x·σ(x). Gradient σ(x)(1 + x(1−σ(x)))·g.</summary>
    public Tensor Silu() => Unary("silu", (x, y) => // [*] → [*]
    {
        TensorPrimitives.Sigmoid(x, y);
        TensorPrimitives.Multiply(x, y, y);
    }, (x, _, g, dx) =>
    {
        TensorPrimitives.Sigmoid(x, dx);
        for (int i = 0; i < x.Length; i++) dx[i] = g[i] * dx[i] * (1 + x[i] * (1 - dx[i]));
    });

    /// <summary>torch.nn.functional.hardswish: x·relu6(x+3)/6. Gradient like torch: 0 below −3, (x/3 + ½)·g on [−3, 3], g above.</summary>
    public Tensor HardSwish() => Unary("hardswish", (x, y) => // [*] → [*]
    {
        for (int i = 0; i < x.Length; i++) y[i] = Activations.Apply(Epilogue.HardSwish, x[i]);
    }, (x, _, g, dx) =>
    {
        for (int i = 0; i < x.Length; i++) dx[i] = x[i] < -3f ? 0f : x[i] <= 3f ? g[i] * (x[i] / 3f + 0.5f) : g[i];
    });

    /// <summary>torch.nn.functional.hardsigmoid: relu6(x+3)/6. Gradient g/6 strictly inside (−3, 3), like torch.</summary>
    public Tensor HardSigmoid() => Unary("hardsigmoid", (x, y) => // [*] → [*]
    {
        for (int i = 0; i < x.Length; i++) y[i] = Math.Clamp(x[i] + 3f, 0f, 6f) / 6f;
    }, (x, _, g, dx) =>
    {
        for (int i = 0; i < x.Length; i++) dx[i] = x[i] > -3f && x[i] < 3f ? g[i] / 6f : 0f;
    });

    /// <summary>torch.nn.functional.dropout (inverted): in training each element is zeroed with probability
    /// <paramref name="p"/> and the rest scaled by 1/(1−p); identity when not training or p = 0.</summary>
    public Tensor Dropout(float p, bool training, Random rng) // [*] → [*]
    {
        if (!(p >= 0f && p <= 1f)) throw new ArgumentException($"dropout: probability {p} is not in [0, 1] (shape {Shapes.Format(_shape)}).");
        if (!training || p == 0f) return this;
        var mask = Empty(_shape);
        var m = mask.Span;
        float scale = p == 1f ? 0f : 1f / (1f - p);
        for (int i = 0; i < m.Length; i++) m[i] = rng.NextDouble() < p ? 0f : scale;
        return Mul(mask);
    }
}
