namespace FaceParse.Tensors;

/// <summary>Copies between strided views (the one place that walks arbitrary strides for copies).</summary>
internal static class Strided
{
    // src (any strides) -> dst[Count] in row-major order
    public static void CopyTo(Tensor src, Span<float> dst)
    {
        if (src.IsContiguous)
        {
            src.Storage.AsSpan(src.Offset, src.Count).CopyTo(dst);
            return;
        }
        Copy(src, src.ShapeArray, Shapes.ContiguousStrides(src.ShapeArray), 0, dst);
    }

    // src (any strides) -> dst (any strides, same shape)
    public static void Copy(Tensor src, Tensor dst)
    {
        if (!Shapes.Equal(src.ShapeArray, dst.ShapeArray))
            throw new ArgumentException($"copy: shapes {Shapes.Format(src.ShapeArray)} and {Shapes.Format(dst.ShapeArray)} differ.");
        Copy(src, dst.ShapeArray, dst.StrideArray, dst.Offset, dst.Storage);
    }

    private static void Copy(Tensor src, int[] shape, int[] dstStrides, int dstOffset, Span<float> dst)
    {
        var it = new RowIterator(shape, [src.StrideArray, dstStrides], [src.Offset, dstOffset]);
        var data = src.Storage;
        int n = it.Inner, ss = it.InnerStrides[0], ds = it.InnerStrides[1];
        Span<int> o = stackalloc int[2];
        for (int r = 0; r < it.Rows; r++)
        {
            it.Offsets(r, o);
            if (ss == 1 && ds == 1) data.AsSpan(o[0], n).CopyTo(dst.Slice(o[1], n));
            else if (ss == 0 && ds == 1) dst.Slice(o[1], n).Fill(data[o[0]]);
            else for (int i = 0; i < n; i++) dst[o[1] + i * ds] = data[o[0] + i * ss];
        }
    }
}
