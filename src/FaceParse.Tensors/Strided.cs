namespace FaceParse.Tensors;

/// <summary>Copies between strided views (the one place that walks arbitrary strides for copies).</summary>
internal static class Strided
{
    // src (any strides) -> dst[dstOffset .. + Count] in row-major order
    public static void CopyTo(Tensor src, float[] dst, int dstOffset = 0)
    {
        if (dst.Length - dstOffset < src.Count) throw new ArgumentException($"copy: destination has {dst.Length - dstOffset} elements, needs {src.Count}.");
        if (src.IsContiguous)
        {
            src.Storage.AsSpan(src.Offset, src.Count).CopyTo(dst.AsSpan(dstOffset));
            return;
        }
        Copy(src, src.ShapeArray, Shapes.ContiguousStrides(src.ShapeArray), dstOffset, dst);
    }

    // src (any strides) -> dst (any strides, same shape)
    public static void Copy(Tensor src, Tensor dst)
    {
        if (!Shapes.Equal(src.ShapeArray, dst.ShapeArray))
            throw new ArgumentException($"copy: shapes {Shapes.Format(src.ShapeArray)} and {Shapes.Format(dst.ShapeArray)} differ.");
        Copy(src, dst.ShapeArray, dst.StrideArray, dst.Offset, dst.Storage);
    }

    // Rows are independent: large copies (a transposed gradient made contiguous) run in parallel chunks of rows.
    private static void Copy(Tensor src, int[] shape, int[] dstStrides, int dstOffset, float[] dst)
    {
        var it = new RowIterator(shape, [src.StrideArray, dstStrides], [src.Offset, dstOffset]);
        var data = src.Storage;
        int n = it.Inner, ss = it.InnerStrides[0], ds = it.InnerStrides[1];
        void Rows(int from, int to)
        {
            Span<int> o = stackalloc int[2];
            for (int r = from; r < to; r++)
            {
                it.Offsets(r, o);
                if (ss == 1 && ds == 1) data.AsSpan(o[0], n).CopyTo(dst.AsSpan(o[1], n));
                else if (ss == 0 && ds == 1) dst.AsSpan(o[1], n).Fill(data[o[0]]);
                else for (int i = 0; i < n; i++) dst[o[1] + i * ds] = data[o[0] + i * ss];
            }
        }
        long count = (long)it.Rows * n;
        int chunks = count < 1 << 16 ? 1 : Math.Min(it.Rows, 4 * Runtime.Parallelism.Threads);
        if (chunks <= 1) Rows(0, it.Rows);
        else Runtime.Parallelism.For(chunks, c => Rows((int)((long)it.Rows * c / chunks), (int)((long)it.Rows * (c + 1) / chunks)));
    }
}
