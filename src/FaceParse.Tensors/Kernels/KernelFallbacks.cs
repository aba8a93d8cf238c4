namespace FaceParse.Tensors.Kernels;

// TEMPORARY (removed when the kernels branch merges): the fast-kernel entry points, delegating to plain loops so the
// op layer can be written against the final API in parallel.
public static partial class Gemm
{
    // A[m,k]|[k,m], B[k,n]|[n,k] -> C[m,n]
    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int m, int n, int k, bool transA, bool transB, bool accumulate, Span<float> c)
        => MultiplyReference(a, b, m, n, k, transA, transB, accumulate, c);
}

public static partial class Conv2d
{
    // x[N,Cin,H,W], w[Cout,Cin/g,Kh,Kw], bias[Cout]?, residual[N,Cout,Ho,Wo]? -> y[N,Cout,Ho,Wo]
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, ReadOnlySpan<float> residual, Conv2dGeometry g, Epilogue epilogue, Span<float> y)
        => ForwardReference(x, w, bias, residual, g, epilogue, y);

    // dy[N,Cout,Ho,Wo], w[Cout,Cin/g,Kh,Kw] -> dx[N,Cin,H,W] (overwritten)
    public static void BackwardInput(ReadOnlySpan<float> dy, ReadOnlySpan<float> w, Conv2dGeometry g, Span<float> dx)
    {
        float[] dxa = new float[dx.Length], dya = dy.ToArray(), wa = w.ToArray();
        Visit(g, (xi, wi, yi) => dxa[xi] += dya[yi] * wa[wi]);
        dxa.CopyTo(dx);
    }

    // x[N,Cin,H,W], dy[N,Cout,Ho,Wo] -> dw[Cout,Cin/g,Kh,Kw] (overwritten)
    public static void BackwardWeight(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Conv2dGeometry g, Span<float> dw)
    {
        float[] dwa = new float[dw.Length], dya = dy.ToArray(), xa = x.ToArray();
        Visit(g, (xi, wi, yi) => dwa[wi] += dya[yi] * xa[xi]);
        dwa.CopyTo(dw);
    }

    private delegate void Tap(int xIndex, int wIndex, int yIndex);

    private static void Visit(Conv2dGeometry g, Tap tap)
    {
        int cinG = g.InChannelsPerGroup, coutG = g.OutChannelsPerGroup, ho = g.OutHeight, wo = g.OutWidth;
        for (int n = 0; n < g.Batch; n++)
        for (int co = 0; co < g.OutChannels; co++)
        for (int oy = 0; oy < ho; oy++)
        for (int ox = 0; ox < wo; ox++)
        for (int ci = 0; ci < cinG; ci++)
        for (int ky = 0; ky < g.KernelHeight; ky++)
        for (int kx = 0; kx < g.KernelWidth; kx++)
        {
            int iy = oy * g.StrideHeight - g.PadHeight + ky * g.DilationHeight, ix = ox * g.StrideWidth - g.PadWidth + kx * g.DilationWidth;
            if ((uint)iy >= (uint)g.InHeight || (uint)ix >= (uint)g.InWidth) continue;
            int cIn = co / coutG * cinG + ci;
            tap(((n * g.InChannels + cIn) * g.InHeight + iy) * g.InWidth + ix, ((co * cinG + ci) * g.KernelHeight + ky) * g.KernelWidth + kx, ((n * g.OutChannels + co) * ho + oy) * wo + ox);
        }
    }
}
