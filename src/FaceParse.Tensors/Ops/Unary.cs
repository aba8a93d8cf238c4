using System.Numerics.Tensors;

namespace FaceParse.Tensors;

/// <summary>Forward of an elementwise op over a chunk: x → y.</summary>
internal delegate void UnaryKernel(ReadOnlySpan<float> x, Span<float> y);

/// <summary>Backward of an elementwise op over a chunk: (x, y = f(x), dL/dy) → dL/dx.</summary>
internal delegate void UnaryGradKernel(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> g, Span<float> dx);

// Elementwise math (torch.exp, log, sqrt, pow, abs, clamp, sin, cos, reciprocal, square). Every op goes through
// Unary(): contiguous input → new tensor, chunked over threads, gradient rule recorded beside it.
public sealed partial class Tensor
{
    private const int ElementwiseChunk = 1 << 15;

    /// <summary>Runs body(start, length) over [0, count) in chunks, in parallel when there are several chunks.</summary>
    internal static void ForChunks(int count, Action<int, int> body)
    {
        int chunks = (count + ElementwiseChunk - 1) / ElementwiseChunk;
        Runtime.Parallelism.For(chunks, c =>
        {
            int start = c * ElementwiseChunk;
            body(start, Math.Min(ElementwiseChunk, count - start));
        });
    }

    /// <summary>y = f(x) elementwise into a new contiguous tensor; backward computes dx from (x, y, g).</summary>
    internal Tensor Unary(string op, UnaryKernel forward, UnaryGradKernel backward)
    {
        var x = Contiguous();
        var y = Empty(_shape);
        float[] xd = x._data, yd = y._data;
        int xo = x.Offset;
        ForChunks(Count, (s, n) => forward(xd.AsSpan(xo + s, n), yd.AsSpan(s, n)));
        return y.Record(op, [this], g =>
        {
            var gc = g.Contiguous();
            var dx = Empty(_shape);
            float[] gd = gc._data, dd = dx._data;
            int go = gc.Offset;
            ForChunks(Count, (s, n) => backward(xd.AsSpan(xo + s, n), yd.AsSpan(s, n), gd.AsSpan(go + s, n), dd.AsSpan(s, n)));
            AccumulateGrad(dx);
        });
    }

    /// <summary>torch.exp.</summary>
    public Tensor Exp() => Unary("exp", TensorPrimitives.Exp, (_, y, g, dx) => TensorPrimitives.Multiply(g, y, dx)); // [*] → [*]

    /// <summary>torch.log (natural).</summary>
    public Tensor Log() => Unary("log", TensorPrimitives.Log, (x, _, g, dx) => TensorPrimitives.Divide(g, x, dx)); // [*] → [*]

    /// <summary>torch.sqrt. Gradient g/(2√x) (infinite at 0, like torch).</summary>
    public Tensor Sqrt() => Unary("sqrt", TensorPrimitives.Sqrt, (_, y, g, dx) => // [*] → [*]
    {
        TensorPrimitives.Divide(g, y, dx);
        TensorPrimitives.Multiply(dx, 0.5f, dx);
    });

    /// <summary>torch.pow(x, exponent) with a scalar exponent. Gradient p·x^(p−1)·g (0 when p = 0).</summary>
    public Tensor Pow(float exponent) => exponent switch // [*] → [*]
    {
        1f => Mul(1f),
        2f => Square(),
        _ => Unary("pow", (x, y) => TensorPrimitives.Pow(x, exponent, y), (x, _, g, dx) =>
        {
            if (exponent == 0f) { dx.Clear(); return; }
            TensorPrimitives.Pow(x, exponent - 1f, dx);
            TensorPrimitives.Multiply(dx, g, dx);
            TensorPrimitives.Multiply(dx, exponent, dx);
        }),
    };

    /// <summary>torch.pow(x, exponent) with a broadcasting tensor exponent. Gradients p·x^(p−1)·g and x^p·ln(x)·g
    /// (the latter 0 where x = 0 and p ≥ 0, as torch masks it).</summary>
    public Tensor Pow(Tensor exponent) // [*], [*] → broadcast
    {
        int[] shape = Shapes.Broadcast(_shape, exponent._shape);
        float[] x = Detach().Expand(shape).ToArray(), p = exponent.Detach().Expand(shape).ToArray();
        var r = Empty(shape);
        var y = r.Span;
        for (int i = 0; i < y.Length; i++) y[i] = MathF.Pow(x[i], p[i]);
        return r.Record("pow", [this, exponent], g =>
        {
            float[] gd = g.ToArray(), yd = r.ToArray();
            if (RequiresGrad)
                AccumulateGrad(FromArray(gd.Select((v, i) => p[i] == 0f ? 0f : v * p[i] * MathF.Pow(x[i], p[i] - 1f)).ToArray(), shape).SumTo(_shape));
            if (exponent.RequiresGrad)
                exponent.AccumulateGrad(FromArray(gd.Select((v, i) => x[i] == 0f && p[i] >= 0f ? 0f : v * yd[i] * MathF.Log(x[i])).ToArray(), shape).SumTo(exponent._shape));
        });
    }

    /// <summary>torch.abs. Gradient sign(x)·g (0 at 0, like torch).</summary>
    public Tensor Abs() => Unary("abs", TensorPrimitives.Abs, (x, _, g, dx) => // [*] → [*]
    {
        for (int i = 0; i < x.Length; i++) dx[i] = x[i] > 0 ? g[i] : x[i] < 0 ? -g[i] : 0f;
    });

    /// <summary>torch.clamp(x, min, max); either bound may be null. Gradient passes where min ≤ x ≤ max.</summary>
    public Tensor Clamp(float? min = null, float? max = null) // [*] → [*]
    {
        if (min is float lo && max is float hi && lo > hi) throw new ArgumentException($"clamp: min {lo} is greater than max {hi} (shape {Shapes.Format(_shape)}).");
        float a = min ?? float.NegativeInfinity, b = max ?? float.PositiveInfinity;
        return Unary("clamp", (x, y) =>
        {
            TensorPrimitives.Max(x, a, y);
            TensorPrimitives.Min(y, b, y);
        }, (x, _, g, dx) =>
        {
            for (int i = 0; i < x.Length; i++) dx[i] = x[i] >= a && x[i] <= b ? g[i] : 0f;
        });
    }

    /// <summary>torch.sin.</summary>
    public Tensor Sin() => Unary("sin", TensorPrimitives.Sin, (x, _, g, dx) => // [*] → [*]
    {
        TensorPrimitives.Cos(x, dx);
        TensorPrimitives.Multiply(dx, g, dx);
    });

    /// <summary>torch.cos.</summary>
    public Tensor Cos() => Unary("cos", TensorPrimitives.Cos, (x, _, g, dx) => // [*] → [*]
    {
        TensorPrimitives.Sin(x, dx);
        TensorPrimitives.Multiply(dx, g, dx);
        TensorPrimitives.Negate(dx, dx);
    });

    /// <summary>torch.reciprocal (1/x). Gradient −g/x² = −g·y².</summary>
    public Tensor Reciprocal() => Unary("reciprocal", TensorPrimitives.Reciprocal, (_, y, g, dx) => // [*] → [*]
    {
        TensorPrimitives.Multiply(y, y, dx);
        TensorPrimitives.Multiply(dx, g, dx);
        TensorPrimitives.Negate(dx, dx);
    });

    /// <summary>torch.square (x²). Gradient 2x·g.</summary>
    public Tensor Square() => Unary("square", (x, y) => TensorPrimitives.Multiply(x, x, y), (x, _, g, dx) => // [*] → [*]
    {
        TensorPrimitives.Multiply(x, g, dx);
        TensorPrimitives.Multiply(dx, 2f, dx);
    });
}
