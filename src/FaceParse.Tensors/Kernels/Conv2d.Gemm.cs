using FaceParse.Tensors.Runtime;

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
    internal static unsafe nint Im2Col(float* x, in Conv2dGeometry g, int n) => Im2Col(x, g, n, 0, g.OutHeight);

    // x[N,Cin,H,W] image n, output rows [oy0, oy1) -> columns [Cin·Kh·Kw, (oy1 − oy0)·Wo] in this thread's column workspace
    internal static unsafe nint Im2Col(float* x, in Conv2dGeometry g, int n, int oy0, int oy1)
    {
        int wo = g.OutWidth, kh = g.KernelHeight, kw = g.KernelWidth;
        long rowPixels = (long)(oy1 - oy0) * wo;
        float* col = Workspace.Get(Workspace.Slot.Columns, g.InChannels * kh * kw * rowPixels);
        for (int c = 0; c < g.InChannels; c++)
        {
            float* plane = x + ((long)n * g.InChannels + c) * g.InHeight * g.InWidth;
            for (int ky = 0; ky < kh; ky++)
                for (int kx = 0; kx < kw; kx++)
                {
                    float* dst = col + (((long)c * kh + ky) * kw + kx) * rowPixels;
                    for (int oy = oy0; oy < oy1; oy++)
                    {
                        int iy = oy * g.StrideHeight - g.PadHeight + ky * g.DilationHeight;
                        float* d = dst + (oy - oy0) * wo;
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
        long plane = (long)g.InHeight * g.InWidth;
        var geo = g;
        nint colAt = (nint)col, image = (nint)(dx + (long)n * g.InChannels * plane);
        // each channel sums into its own plane: channels run in parallel, and the result does not depend on the thread count
        if (g.InChannels * plane < 1 << 16) for (int c = 0; c < g.InChannels; c++) Col2ImChannel((float*)colAt, geo, c, (float*)image);
        else Parallelism.For(g.InChannels, c => Col2ImChannel((float*)colAt, geo, c, (float*)image));
    }

    // columns rows of input channel c -> its plane of dx image (overwritten)
    private static unsafe void Col2ImChannel(float* col, in Conv2dGeometry g, int c, float* image)
    {
        int ho = g.OutHeight, wo = g.OutWidth, kh = g.KernelHeight, kw = g.KernelWidth;
        long plane = (long)g.InHeight * g.InWidth;
        float* img = image + c * plane;
        new Span<float>(img, checked((int)plane)).Clear();
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

    // Floats of im2col columns (all groups) per work item of BackwardWeight's pixel split: a chunk of output rows whose
    // columns stay in L2, but never fewer than WeightGradChunkPixels pixels (the GEMM's K) unless the image has fewer.
    private const long WeightGradChunkFloats = 1 << 16;
    private const int WeightGradChunkPixels = 256;

    // x[N,Cin,H,W], dy[N,Cout,Ho,Wo] -> dw[Cout,Cin/g,Kh,Kw] (overwritten)
    // dW_g[Cout/g, K] = Σ over images (and chunks of output rows) of dy_g[Cout/g, pixels] · columns_g[K, pixels]ᵀ. Two ways:
    // - many pixels for a small dW (shallow layers at high resolution: 262,144 pixels for a 32 × 288 dW): the pixel axis is
    //   split into row chunks, on one thread too. The items are cut into one contiguous run per thread; each thread builds
    //   a chunk's columns in its own cache-sized workspace (never the whole image's, Kh·Kw times the input) and runs its
    //   GEMMs single-threaded into its own partial dW; the partials are summed at the end, in thread order.
    // - a large dW for few pixels (deep layers: 512 × 4608 for 256 pixels): image by image, whole-image columns, and the GEMM
    //   shares dW's tiles among the threads (a per-thread partial of that dW would cost more than it saves).
    public static unsafe void BackwardWeight(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Conv2dGeometry g, Span<float> dw)
    {
        CheckBackward(g.InputSize, x.Length, "x", dy.Length, g);
        CheckWeights(dw.Length, g);
        int k = g.InChannelsPerGroup * g.KernelHeight * g.KernelWidth, ho = g.OutHeight, wo = g.OutWidth;
        long pixels = (long)g.Batch * ho * wo;
        bool small = (long)g.OutChannels * k * pixels < (1 << 18);
        bool split = !small && pixels >= 8L * Math.Max(g.OutChannelsPerGroup, k); // chunked even on one thread: columns in L2
        long columnFloatsPerRow = (long)g.InChannels * g.KernelHeight * g.KernelWidth * wo;
        int rows = !split ? ho : (int)Math.Clamp(Math.Max(WeightGradChunkFloats / Math.Max(1, columnFloatsPerRow), (WeightGradChunkPixels + wo - 1) / wo), 1, ho);
        int chunks = (ho + rows - 1) / rows, items = g.Batch * chunks;
        int threads = split ? Math.Min(Parallelism.Threads, items) : 1;
        long size = g.WeightSize;
        float[]? partials = threads > 1 ? System.Buffers.ArrayPool<float>.Shared.Rent(checked((int)((threads - 1) * size))) : null;
        try
        {
            fixed (float* px = x, pdy = dy, pdw = dw, ppart = partials)
            {
                var job = new WeightGradJob((nint)px, (nint)pdy, g, rows, chunks);
                if (threads == 1) job.Run(0, items, pdw, singleThreaded: small || split);
                else
                {
                    nint dwAt = (nint)pdw, partAt = (nint)ppart;
                    Parallelism.For(threads, t => job.Run(items * t / threads, items * (t + 1) / threads,
                        t == 0 ? (float*)dwAt : (float*)partAt + (t - 1) * size, singleThreaded: true));
                    for (int t = 1; t < threads; t++)
                    {
                        float* part = ppart + (t - 1) * size;
                        for (long i = 0; i < size; i++) pdw[i] += part[i];
                    }
                }
            }
        }
        finally
        {
            if (partials is not null) System.Buffers.ArrayPool<float>.Shared.Return(partials);
        }
    }

    // A run of BackwardWeight's items [lo, hi) of (image, row chunk), accumulated into target (overwritten first); with
    // singleThreaded the GEMMs stay on the calling thread (the split is already across threads), else they use the threads.
    private readonly unsafe struct WeightGradJob(nint x, nint dy, Conv2dGeometry g, int rows, int chunks)
    {
        public void Run(int lo, int hi, float* target, bool singleThreaded)
        {
            if (lo >= hi) return;
            int cinG = g.InChannelsPerGroup, coutG = g.OutChannelsPerGroup, k = cinG * g.KernelHeight * g.KernelWidth, p = g.OutHeight * g.OutWidth;
            bool pointwise = g.KernelHeight == 1 && g.KernelWidth == 1 && g.StrideHeight == 1 && g.StrideWidth == 1 && g.PadHeight == 0 && g.PadWidth == 0;
            float* px = (float*)x, pdy = (float*)dy;
            int saved = Parallelism.LocalLimit;
            if (singleThreaded) Parallelism.LocalLimit = 1;
            try
            {
                for (int item = lo; item < hi; item++)
                {
                    int n = item / chunks, oy0 = item % chunks * rows, oy1 = Math.Min(g.OutHeight, oy0 + rows), pixels = (oy1 - oy0) * g.OutWidth;
                    // columns of this chunk: the input itself for 1×1 (channel rows p apart), else its im2col rows
                    float* col = pointwise ? px + (long)n * g.InChannels * p + oy0 * g.OutWidth : (float*)Im2Col(px, g, n, oy0, oy1);
                    int ldCol = pointwise ? p : pixels;
                    for (int grp = 0; grp < g.Groups; grp++)
                        Gemm.MultiplyCore(new GemmArgs
                        {
                            A = pdy + ((long)n * g.OutChannels + grp * coutG) * p + oy0 * g.OutWidth, Lda = p,
                            B = col + (long)grp * k * ldCol, Ldb = ldCol, TransB = true,
                            C = target + (long)grp * coutG * k, Ldc = k, M = coutG, N = k, K = pixels, Accumulate = item > lo,
                        });
                }
            }
            finally
            {
                Parallelism.LocalLimit = saved;
            }
        }
    }
}
