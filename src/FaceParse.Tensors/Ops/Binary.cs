using System.Numerics.Tensors;

namespace FaceParse.Tensors;

/// <summary>Elementwise binary ops with broadcasting.</summary>
public enum BinaryOp
{
    Add,
    Sub,
    Mul,
    Div,
}

// Broadcasting arithmetic (torch.add/sub/mul/div). Backward: each side gets g (times the other factor), summed back to its shape.
public sealed partial class Tensor
{
    public Tensor Add(Tensor other)
    {
        var r = Binary(BinaryOp.Add, this, other);
        return r.Record("add", [this, other], g =>
        {
            AccumulateGrad(g.SumTo(_shape));
            other.AccumulateGrad(g.SumTo(other._shape));
        });
    }

    public Tensor Sub(Tensor other)
    {
        var r = Binary(BinaryOp.Sub, this, other);
        return r.Record("sub", [this, other], g =>
        {
            AccumulateGrad(g.SumTo(_shape));
            if (other.RequiresGrad) other.AccumulateGrad(g.Neg().SumTo(other._shape));
        });
    }

    public Tensor Mul(Tensor other)
    {
        var r = Binary(BinaryOp.Mul, this, other);
        return r.Record("mul", [this, other], g =>
        {
            if (RequiresGrad) AccumulateGrad(Binary(BinaryOp.Mul, g, other).SumTo(_shape));
            if (other.RequiresGrad) other.AccumulateGrad(Binary(BinaryOp.Mul, g, this).SumTo(other._shape));
        });
    }

    public Tensor Div(Tensor other)
    {
        var r = Binary(BinaryOp.Div, this, other);
        return r.Record("div", [this, other], g =>
        {
            if (RequiresGrad) AccumulateGrad(Binary(BinaryOp.Div, g, other).SumTo(_shape));
            // d(a/b)/db = -a/b² = -r/b
            if (other.RequiresGrad) other.AccumulateGrad(Binary(BinaryOp.Mul, g, Binary(BinaryOp.Div, r, other)).Neg().SumTo(other._shape));
        });
    }

    public Tensor Add(float value) => Affine(1f, value);

    public Tensor Mul(float value) => Affine(value, 0f);

    public Tensor Sub(float value) => Affine(1f, -value);

    public Tensor Div(float value) => Affine(1f / value, 0f);

    public Tensor Neg() => Affine(-1f, 0f);

    /// <summary>scale·x + shift, elementwise.</summary>
    public Tensor Affine(float scale, float shift)
    {
        var src = Contiguous();
        var r = Empty(_shape);
        TensorPrimitives.Multiply(src.Span, scale, r.Span);
        if (shift != 0f) TensorPrimitives.Add(r.Span, shift, r.Span);
        return r.Record("affine", [this], g => AccumulateGrad(scale == 1f ? g : g.Affine(scale, 0f)));
    }

    public static Tensor operator +(Tensor a, Tensor b) => a.Add(b);
    public static Tensor operator -(Tensor a, Tensor b) => a.Sub(b);
    public static Tensor operator *(Tensor a, Tensor b) => a.Mul(b);
    public static Tensor operator /(Tensor a, Tensor b) => a.Div(b);
    public static Tensor operator +(Tensor a, float b) => a.Add(b);
    public static Tensor operator -(Tensor a, float b) => a.Sub(b);
    public static Tensor operator *(Tensor a, float b) => a.Mul(b);
    public static Tensor operator /(Tensor a, float b) => a.Div(b);
    public static Tensor operator *(float a, Tensor b) => b.Mul(a);
    public static Tensor operator -(Tensor a) => a.Neg();

    /// <summary>Forward of a broadcasting binary op into a new contiguous tensor (no graph recorded).</summary>
    internal static Tensor Binary(BinaryOp op, Tensor a, Tensor b)
    {
        int[] shape = Shapes.Broadcast(a._shape, b._shape);
        var r = Empty(shape);
        if (Shapes.Equal(a._shape, b._shape) && a.IsContiguous && b.IsContiguous)
        {
            Apply(op, a.Span, b.Span, r.Span);
            return r;
        }
        var av = a.Rank == shape.Length && Shapes.Equal(a._shape, shape) ? a : a.Detach().Expand(shape);
        var bv = b.Rank == shape.Length && Shapes.Equal(b._shape, shape) ? b : b.Detach().Expand(shape);
        var it = new RowIterator(shape, [av._strides, bv._strides, r._strides], [av.Offset, bv.Offset, 0]);
        int n = it.Inner, sa = it.InnerStrides[0], sb = it.InnerStrides[1];
        float[] ad = av._data, bd = bv._data, rd = r._data;
        Runtime.Parallelism.For(it.Rows, row =>
        {
            Span<int> o = stackalloc int[3];
            it.Offsets(row, o);
            var dst = rd.AsSpan(o[2], n);
            if (sa == 1 && sb == 1) Apply(op, ad.AsSpan(o[0], n), bd.AsSpan(o[1], n), dst);
            else if (sa == 1 && sb == 0) ApplyScalarRight(op, ad.AsSpan(o[0], n), bd[o[1]], dst);
            else if (sa == 0 && sb == 1) ApplyScalarLeft(op, ad[o[0]], bd.AsSpan(o[1], n), dst);
            else for (int i = 0; i < n; i++) dst[i] = Apply(op, ad[o[0] + i * sa], bd[o[1] + i * sb]);
        });
        return r;
    }

    private static void Apply(BinaryOp op, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> r)
    {
        switch (op)
        {
            case BinaryOp.Add: TensorPrimitives.Add(a, b, r); break;
            case BinaryOp.Sub: TensorPrimitives.Subtract(a, b, r); break;
            case BinaryOp.Mul: TensorPrimitives.Multiply(a, b, r); break;
            default: TensorPrimitives.Divide(a, b, r); break;
        }
    }

    private static void ApplyScalarRight(BinaryOp op, ReadOnlySpan<float> a, float b, Span<float> r)
    {
        switch (op)
        {
            case BinaryOp.Add: TensorPrimitives.Add(a, b, r); break;
            case BinaryOp.Sub: TensorPrimitives.Subtract(a, b, r); break;
            case BinaryOp.Mul: TensorPrimitives.Multiply(a, b, r); break;
            default: TensorPrimitives.Divide(a, b, r); break;
        }
    }

    private static void ApplyScalarLeft(BinaryOp op, float a, ReadOnlySpan<float> b, Span<float> r)
    {
        switch (op)
        {
            case BinaryOp.Add: TensorPrimitives.Add(b, a, r); break;
            case BinaryOp.Sub: TensorPrimitives.Subtract(a, b, r); break;
            case BinaryOp.Mul: TensorPrimitives.Multiply(b, a, r); break;
            default: TensorPrimitives.Divide(a, b, r); break;
        }
    }

    private static float Apply(BinaryOp op, float a, float b) => op switch
    {
        BinaryOp.Add => a + b,
        BinaryOp.Sub => a - b,
        BinaryOp.Mul => a * b,
        _ => a / b,
    };
}
