namespace FaceParse.Tensors.Kernels;

// The GEMM-based paths: 1×1 and im2col forward, and both backward passes.
public static partial class Conv2d
{
    // Per image and group: Y_g[Cout/g, P] = W_g[Cout/g, K] · B_g[K, P] with the epilogue fused, where B is the input itself
    // (1×1, P = H·W) or its im2col columns (P = Ho·Wo).
    private static unsafe void GemmPerGroup(float* x, int p, float* w, float* bias, float* residual, in Conv2dGeometry g, Epilogue epilogue, float* y, bool im2col)
    {
        int cinG = g.InChannelsPerGroup, coutG = g.OutChannelsPerGroup, k = cinG * g.KernelHeight * g.KernelWidth;
        for (int n = 0; n < g.Batch; n++)
        {
            float* columns = im2col ? (float*)Im2Col(x, g, n) : null;
            for (int grp = 0; grp < g.Groups; grp++)
            {
                long yOff = ((long)n * g.OutChannels + grp * coutG) * p;
                Gemm.MultiplyCore(new GemmArgs
                {
                    A = w + (long)grp * coutG * k, Lda = k,
                    B = columns != null ? columns + (long)grp * k * p : x + ((long)n * g.InChannels + grp * cinG) * p, Ldb = p,
                    C = y + yOff, Ldc = p, M = coutG, N = p, K = k,
                    RowBias = bias == null ? null : bias + grp * coutG,
                    Residual = residual == null ? null : residual + yOff, Ldr = p, Act = epilogue,
                });
            }
        }
    }

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

    // dy[N,Cout,Ho,Wo], w[Cout,Cin/g,Kh,Kw] -> dx[N,Cin,H,W] (overwritten)
    public static unsafe void BackwardInput(ReadOnlySpan<float> dy, ReadOnlySpan<float> w, Conv2dGeometry g, Span<float> dx)
    {
        CheckBackward(g.InputSize, dx.Length, "dx", dy.Length, g);
        CheckWeights(w.Length, g);
        fixed (float* pdy = dy, pw = w, pdx = dx)
        {
            int padH = g.DilationHeight * (g.KernelHeight - 1) - g.PadHeight, padW = g.DilationWidth * (g.KernelWidth - 1) - g.PadWidth;
            if (g.StrideHeight == 1 && g.StrideWidth == 1 && padH >= 0 && padW >= 0)
            {
                // Stride 1: dx is the forward convolution of dy with the flipped, channel-swapped kernel and padding d·(k−1)−p.
                var t = new Conv2dGeometry(g.Batch, g.OutChannels, g.OutHeight, g.OutWidth, g.InChannels, g.KernelHeight, g.KernelWidth,
                    1, 1, padH, padW, g.DilationHeight, g.DilationWidth, g.Groups);
                ForwardCore(pdy, FlipKernel(pw, g), null, null, t, Epilogue.None, pdx);
                return;
            }
            int cinG = g.InChannelsPerGroup, coutG = g.OutChannelsPerGroup, k = cinG * g.KernelHeight * g.KernelWidth, p = g.OutHeight * g.OutWidth;
            float* col = Workspace.Get(Workspace.Slot.Columns, (long)g.Groups * k * p);
            for (int n = 0; n < g.Batch; n++)
            {
                // columns_g[K, P] = W_gᵀ · dy_g, then scatter-add the windows back.
                for (int grp = 0; grp < g.Groups; grp++)
                    Gemm.MultiplyCore(new GemmArgs
                    {
                        A = pw + (long)grp * coutG * k, Lda = k, TransA = true,
                        B = pdy + ((long)n * g.OutChannels + grp * coutG) * p, Ldb = p,
                        C = col + (long)grp * k * p, Ldc = p, M = k, N = p, K = coutG,
                    });
                Col2Im(col, g, n, pdx);
            }
        }
    }

    // w[Cout,Cin/g,Kh,Kw] -> w'[Cin,Cout/g,Kh,Kw] with w'[grp·Cin/g + ci, co, ky, kx] = w[grp·Cout/g + co, ci, Kh−1−ky, Kw−1−kx]
    private static unsafe float* FlipKernel(float* w, in Conv2dGeometry g)
    {
        int cinG = g.InChannelsPerGroup, coutG = g.OutChannelsPerGroup, taps = g.KernelHeight * g.KernelWidth;
        float* f = Workspace.Get(Workspace.Slot.Flipped, g.WeightSize);
        for (int grp = 0; grp < g.Groups; grp++)
            for (int co = 0; co < coutG; co++)
                for (int ci = 0; ci < cinG; ci++)
                {
                    float* src = w + (((long)grp * coutG + co) * cinG + ci) * taps;
                    float* dst = f + (((long)grp * cinG + ci) * coutG + co) * taps;
                    for (int t = 0; t < taps; t++) dst[t] = src[taps - 1 - t];
                }
        return f;
    }

    // x[N,Cin,H,W], dy[N,Cout,Ho,Wo] -> dw[Cout,Cin/g,Kh,Kw] (overwritten)
    public static unsafe void BackwardWeight(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Conv2dGeometry g, Span<float> dw)
    {
        CheckBackward(g.InputSize, x.Length, "x", dy.Length, g);
        CheckWeights(dw.Length, g);
        int cinG = g.InChannelsPerGroup, coutG = g.OutChannelsPerGroup, k = cinG * g.KernelHeight * g.KernelWidth, p = g.OutHeight * g.OutWidth;
        bool pointwise = g.KernelHeight == 1 && g.KernelWidth == 1 && g.StrideHeight == 1 && g.StrideWidth == 1 && g.PadHeight == 0 && g.PadWidth == 0;
        fixed (float* px = x, pdy = dy, pdw = dw)
        {
            // dW_g[Cout/g, K] = Σ_n dy_g[Cout/g, P] · columns_gᵀ: the long P axis is the GEMM's K; both operands pack with fast transposes.
            for (int n = 0; n < g.Batch; n++)
            {
                float* col = pointwise ? px + (long)n * g.InChannels * p : (float*)Im2Col(px, g, n);
                for (int grp = 0; grp < g.Groups; grp++)
                    Gemm.MultiplyCore(new GemmArgs
                    {
                        A = pdy + ((long)n * g.OutChannels + grp * coutG) * p, Lda = p,
                        B = col + (long)grp * k * p, Ldb = p, TransB = true,
                        C = pdw + (long)grp * coutG * k, Ldc = k, M = coutG, N = k, K = p, Accumulate = n > 0,
                    });
            }
        }
    }
}
