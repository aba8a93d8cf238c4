namespace FaceParse.Tensors;

public sealed partial class Tensor
{
    /// <summary>Uninitialised contiguous tensor (pooled storage).</summary>
    public static Tensor Empty(params int[] shape) => GradRecycler.Created(new(TensorPool.Rent(Shapes.Count(shape)), (int[])shape.Clone()));

    public static Tensor Zeros(params int[] shape)
    {
        var t = Empty(shape);
        t.Span.Clear();
        return t;
    }

    public static Tensor Ones(params int[] shape) => Full(1f, shape);

    public static Tensor Full(float value, params int[] shape)
    {
        var t = Empty(shape);
        t.Span.Fill(value);
        return t;
    }

    /// <summary>A scalar (rank-0) tensor.</summary>
    public static Tensor Scalar(float value) => new([value], []);

    /// <summary>Wraps a copy of <paramref name="values"/> with the given shape.</summary>
    public static Tensor FromArray(ReadOnlySpan<float> values, params int[] shape)
    {
        int n = Shapes.Count(shape);
        if (values.Length != n) throw new ArgumentException($"{values.Length} values do not fill shape {Shapes.Format(shape)} ({n} elements).");
        var t = Empty(shape);
        values.CopyTo(t.Span);
        return t;
    }

    /// <summary>Wraps <paramref name="values"/> without copying as a tensor that no <see cref="TensorScope"/> tracks, so it
    /// outlives every open scope and its storage never goes back to the pool unless it is disposed explicitly: the form for
    /// results handed to a caller, which must never alias pooled buffers.</summary>
    public static Tensor Unpooled(float[] values, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(values);
        int n = Shapes.Count(shape);
        if (values.Length != n) throw new ArgumentException($"{values.Length} values do not fill shape {Shapes.Format(shape)} ({n} elements).");
        return new Tensor(values, (int[])shape.Clone(), tracked: false);
    }

    /// <summary>0, 1, …, n-1.</summary>
    public static Tensor Arange(int n)
    {
        var t = Empty(n);
        var s = t.Span;
        for (int i = 0; i < n; i++) s[i] = i;
        return t;
    }

    /// <summary>Uniform in [low, high) from a seeded generator.</summary>
    public static Tensor Uniform(Random rng, float low, float high, params int[] shape)
    {
        var t = Empty(shape);
        var s = t.Span;
        for (int i = 0; i < s.Length; i++) s[i] = low + (high - low) * (float)rng.NextDouble();
        return t;
    }

    /// <summary>Standard normal (Box–Muller) from a seeded generator, scaled by <paramref name="std"/>.</summary>
    public static Tensor Normal(Random rng, float mean, float std, params int[] shape)
    {
        var t = Empty(shape);
        var s = t.Span;
        for (int i = 0; i < s.Length; i += 2)
        {
            double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
            double r = Math.Sqrt(-2 * Math.Log(u1));
            s[i] = mean + std * (float)(r * Math.Cos(2 * Math.PI * u2));
            if (i + 1 < s.Length) s[i + 1] = mean + std * (float)(r * Math.Sin(2 * Math.PI * u2));
        }
        return t;
    }

    /// <summary>A new contiguous tensor with the same shape (uninitialised).</summary>
    public Tensor EmptyLike() => Empty(_shape);

    public Tensor ZerosLike() => Zeros(_shape);

    /// <summary>A contiguous copy that does not track gradients.</summary>
    public Tensor Clone()
    {
        var t = Empty(_shape);
        Strided.CopyTo(this, t.Storage, t.Offset);
        return t;
    }
}
