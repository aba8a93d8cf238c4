namespace FaceParse.Tensors.Kernels;

public static partial class Conv2d
{
    // x[N,Cin,H,W] image n -> columns [Cin·Kh·Kw, Ho·Wo] in this thread's column workspace (zero where the window leaves the input)
    internal static unsafe nint Im2Col(float* x, in Conv2dGeometry g, int n)
    {
        int ho = g.OutHeight, wo = g.OutWidth, kh = g.KernelHeight, kw = g.KernelWidth;
        float* col = Workspace.Get(Workspace.Slot.Columns, (long)g.InChannels * kh * kw * ho * wo);
        for (int c = 0; c < g.InChannels; c++)
        {
            float* plane = x + ((long)n * g.InChannels + c) * g.InHeight * g.InWidth;
            for (int ky = 0; ky < kh; ky++)
                for (int kx = 0; kx < kw; kx++)
                {
                    float* dst = col + (((long)c * kh + ky) * kw + kx) * ho * wo;
                    for (int oy = 0; oy < ho; oy++)
                    {
                        int iy = oy * g.StrideHeight - g.PadHeight + ky * g.DilationHeight;
                        float* d = dst + oy * wo;
                        if ((uint)iy >= (uint)g.InHeight)
                        {
                            new Span<float>(d, wo).Clear();
                            continue;
                        }
                        float* src = plane + iy * g.InWidth;
                        int ix = -g.PadWidth + kx * g.DilationWidth;
                        if (g.StrideWidth == 1)
                        {
                            // Valid outputs are one run [lo, hi): zero, copy, zero.
                            int lo = Math.Clamp(-ix, 0, wo), hi = Math.Clamp(g.InWidth - ix, lo, wo);
                            new Span<float>(d, lo).Clear();
                            Buffer.MemoryCopy(src + ix + lo, d + lo, (hi - lo) * sizeof(float), (hi - lo) * sizeof(float));
                            new Span<float>(d + hi, wo - hi).Clear();
                            continue;
                        }
                        for (int ox = 0; ox < wo; ox++, ix += g.StrideWidth)
                            d[ox] = (uint)ix < (uint)g.InWidth ? src[ix] : 0;
                    }
                }
        }
        return (nint)col;
    }

    // columns [Cin·Kh·Kw, Ho·Wo] -> dx[N,Cin,H,W] image n, summing overlapping windows (dx image overwritten)
    internal static unsafe void Col2Im(float* col, in Conv2dGeometry g, int n, float* dx)
    {
        int ho = g.OutHeight, wo = g.OutWidth, kh = g.KernelHeight, kw = g.KernelWidth;
        long plane = (long)g.InHeight * g.InWidth;
        new Span<float>(dx + (long)n * g.InChannels * plane, checked((int)(g.InChannels * plane))).Clear();
        for (int c = 0; c < g.InChannels; c++)
        {
            float* img = dx + ((long)n * g.InChannels + c) * plane;
            for (int ky = 0; ky < kh; ky++)
                for (int kx = 0; kx < kw; kx++)
                {
                    float* src = col + (((long)c * kh + ky) * kw + kx) * ho * wo;
                    for (int oy = 0; oy < ho; oy++)
                    {
                        int iy = oy * g.StrideHeight - g.PadHeight + ky * g.DilationHeight;
                        if ((uint)iy >= (uint)g.InHeight) continue;
                        float* s = src + oy * wo, d = img + iy * g.InWidth;
                        int ix = -g.PadWidth + kx * g.DilationWidth;
                        for (int ox = 0; ox < wo; ox++, ix += g.StrideWidth)
                            if ((uint)ix < (uint)g.InWidth) d[ix] += s[ox];
                    }
                }
        }
    }
}
