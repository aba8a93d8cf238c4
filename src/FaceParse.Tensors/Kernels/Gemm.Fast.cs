using FaceParse.Tensors.Runtime;

namespace FaceParse.Tensors.Kernels;

/// <summary>One GEMM call in pointer form, with leading dimensions and an optional fused row-bias/residual/activation epilogue.</summary>
internal unsafe struct GemmArgs
{
    public float* A; public nint Lda; public bool TransA;
    public float* B; public nint Ldb; public bool TransB;
    public float* C; public nint Ldc;
    public int M, N, K;
    public bool Accumulate;
    /// <summary>Epilogue, applied once per element after the last K block: C = act(C + RowBias[i] + Residual[i, j]).</summary>
    public float* RowBias;
    public float* Residual; public nint Ldr;
    public Epilogue Act;

    public readonly TileOut Output => new() { C = C, Ldc = Ldc, Bias = RowBias, Residual = Residual, Ldr = Ldr, Act = Act };
}

public static partial class Gemm
{
    // A[m,k]|[k,m], B[k,n]|[n,k] -> C[m,n]
    public static unsafe void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int m, int n, int k, bool transA, bool transB, bool accumulate, Span<float> c)
    {
        CheckSizes(a.Length, b.Length, c.Length, m, n, k);
        fixed (float* pa = a, pb = b, pc = c)
            MultiplyCore(new GemmArgs
            {
                A = pa, Lda = transA ? m : k, TransA = transA, B = pb, Ldb = transB ? k : n, TransB = transB,
                C = pc, Ldc = n, M = m, N = n, K = k, Accumulate = accumulate,
            });
    }

    /// <summary>C = act(A·B + rowBias) with the bias and activation applied in the GEMM's epilogue (one pass over C);
    /// C's rows are <paramref name="ldc"/> floats apart, so the product can land inside a larger tensor. The reference is
    /// <see cref="MultiplyReference"/> followed by the bias and <see cref="Activations.Apply"/>.</summary>
    // A[m,k], B[k,n], rowBias[m]|[] -> C[m,n] (row stride ldc)
    public static unsafe void MultiplyEpilogue(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int m, int n, int k, ReadOnlySpan<float> rowBias, Epilogue act,
        Span<float> c, int ldc)
    {
        if (ldc < n) throw new ArgumentException($"GEMM: ldc {ldc} is smaller than n = {n}.");
        if (!rowBias.IsEmpty && rowBias.Length < m) throw new ArgumentException($"GEMM: bias has {rowBias.Length} elements, needs m = {m}.");
        CheckSizes(a.Length, b.Length, m * n, m, n, k);
        if (m > 0 && c.Length < (long)(m - 1) * ldc + n) throw new ArgumentException($"GEMM: C has {c.Length} elements, needs (m-1)*ldc + n.");
        fixed (float* pa = a, pb = b, pc = c, pbias = rowBias)
            MultiplyCore(new GemmArgs
            {
                A = pa, Lda = k, B = pb, Ldb = n, C = pc, Ldc = ldc, M = m, N = n, K = k,
                RowBias = rowBias.IsEmpty ? null : pbias, Act = act,
            });
    }

    // batch × (A[m,k]|[k,m], B[k,n]|[n,k] -> C[m,n]); matrix i starts at i·stride in each span (stride 0 = shared)
    public static unsafe void MultiplyBatched(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int batch, int m, int n, int k, bool transA, bool transB, bool accumulate,
        Span<float> c, long strideA, long strideB, long strideC)
    {
        if (batch < 0 || strideA < 0 || strideB < 0 || strideC < 0)
            throw new ArgumentException($"Batched GEMM: batch={batch} and strides ({strideA},{strideB},{strideC}) must be non-negative.");
        if (batch == 0) return;
        long last = batch - 1;
        CheckSizes((int)Math.Min(int.MaxValue, a.Length - last * strideA), (int)Math.Min(int.MaxValue, b.Length - last * strideB),
            (int)Math.Min(int.MaxValue, c.Length - last * strideC), m, n, k);
        if (strideC < (long)m * n && batch > 1) throw new ArgumentException($"Batched GEMM: C stride {strideC} is smaller than m*n = {m}*{n}; outputs would overlap.");
        fixed (float* pa = a, pb = b, pc = c)
            for (long i = 0; i < batch; i++)
                MultiplyCore(new GemmArgs
                {
                    A = pa + i * strideA, Lda = transA ? m : k, TransA = transA, B = pb + i * strideB, Ldb = transB ? k : n, TransB = transB,
                    C = pc + i * strideC, Ldc = n, M = m, N = n, K = k, Accumulate = accumulate,
                });
    }

    /// <summary>Dispatches on <see cref="CpuFeatures.Active"/>.</summary>
    internal static unsafe void MultiplyCore(in GemmArgs g)
    {
        if (g.M == 0 || g.N == 0) return;
        if (g.K == 0)
        {
            EpilogueOnly(g);
            return;
        }
        if (!SplitK(g)) SimdDispatch.Run(new BlockedCall(g));
    }

    // Splits the reduction across the threads when C is small and K long (weight gradients: C[out, in] = Σ over every token
    // or pixel): there C has too few tiles to share, and the blocked loop would meet at a barrier for every K block. Each
    // thread runs the blocked GEMM single-threaded over its own K range into its own partial C (thread 0 into C itself);
    // the partials are added in thread order. Only without an epilogue. Returns false when the GEMM does not qualify.
    // A[m,k]|[k,m], B[k,n]|[n,k] -> C[m,n]
    private static unsafe bool SplitK(in GemmArgs g)
    {
        int threads = Math.Min(Parallelism.Threads, g.K / SplitKMinimumRange);
        if (threads < 2 || g.K < 8L * Math.Max(g.M, g.N) || g.RowBias != null || g.Residual != null || g.Act != Epilogue.None) return false;
        long size = (long)g.M * g.N;
        if ((threads - 1) * size > 1 << 24) return false; // partials over 64 MB: let the blocked loop share C instead
        float[] partials = System.Buffers.ArrayPool<float>.Shared.Rent((int)((threads - 1) * size));
        try
        {
            fixed (float* pp = partials)
            {
                var whole = g;
                nint partAt = (nint)pp;
                Parallelism.For(threads, t =>
                {
                    int k0 = (int)((long)whole.K * t / threads), k1 = (int)((long)whole.K * (t + 1) / threads);
                    var part = whole;
                    part.A = whole.TransA ? whole.A + k0 * whole.Lda : whole.A + k0;
                    part.B = whole.TransB ? whole.B + k0 : whole.B + k0 * whole.Ldb;
                    part.K = k1 - k0;
                    if (t > 0)
                    {
                        part.C = (float*)partAt + (t - 1) * size;
                        part.Ldc = whole.N;
                        part.Accumulate = false;
                    }
                    int saved = Parallelism.LocalLimit;
                    Parallelism.LocalLimit = 1;
                    try { SimdDispatch.Run(new BlockedCall(part)); }
                    finally { Parallelism.LocalLimit = saved; }
                });
                for (int t = 1; t < threads; t++)
                    for (int i = 0; i < g.M; i++)
                    {
                        var row = new Span<float>(g.C + i * g.Ldc, g.N);
                        System.Numerics.Tensors.TensorPrimitives.Add(row, new ReadOnlySpan<float>(pp + (t - 1) * size + (long)i * g.N, g.N), row);
                    }
            }
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(partials);
        }
        return true;
    }

    // Smallest K range a split-K thread gets.
    private const int SplitKMinimumRange = 1024;

    private readonly struct BlockedCall(GemmArgs g) : IVecKernel
    {
        public void Run<TOps, TVec>() where TOps : IVecOps<TVec> where TVec : struct => Blocked<TOps, TVec>(g);
    }

    // K = 0: C = act((accumulate ? C : 0) + bias + residual)
    private static unsafe void EpilogueOnly(in GemmArgs g)
    {
        for (int i = 0; i < g.M; i++)
            for (int j = 0; j < g.N; j++)
            {
                float* c = g.C + i * g.Ldc + j;
                float v = g.Accumulate ? *c : 0;
                if (g.RowBias != null) v += g.RowBias[i];
                if (g.Residual != null) v += g.Residual[i * g.Ldr + j];
                *c = VecActivation.Apply<OpsScalar, float>(v, g.Act);
            }
    }

    // Cache-blocked loop nest: N blocks, K blocks (B block packed once, shared by all threads), then work items of
    // (MC rows × a share of the B panels), each packing its own A block; items are handed out dynamically.
    private static unsafe void Blocked<TOps, TVec>(GemmArgs g) where TOps : IVecOps<TVec> where TVec : struct
    {
        var blocking = GemmBlocking.Current;
        int kBlock = blocking.KBlock, nBlock = blocking.NBlock;
        int mr = TOps.Rows, nr = 2 * TOps.Width, mBlock = blocking.MBlockTiles * mr;
        int threads = (long)g.M * g.N * g.K < (1 << 18) ? 1 : Parallelism.Threads;
        int kcMax = Math.Min(kBlock, g.K), ncMax = Math.Min(nBlock, g.N);
        float* bPack = Workspace.Get(Workspace.Slot.PackB, (long)kcMax * RoundUp(ncMax, nr));
        int* offsets = Workspace.GetInts(Workspace.Slot.Offsets, kcMax);
        for (int p = 0; p < kcMax; p++) offsets[p] = p * nr;
        int mBlocks = (g.M + mBlock - 1) / mBlock;
        nint pb = (nint)bPack, po = (nint)offsets;
        for (int jc = 0; jc < g.N; jc += nBlock)
        {
            int nc = Math.Min(nBlock, g.N - jc), panels = (nc + nr - 1) / nr;
            int nSplit = threads == 1 ? 1 : Math.Clamp((4 * threads + mBlocks - 1) / mBlocks, 1, panels);
            for (int pc = 0; pc < g.K; pc += kBlock)
            {
                int kc = Math.Min(kBlock, g.K - pc), packers = Math.Min(threads, panels), pcc = pc, jcc = jc;
                if (packers == 1) PackB(g, pc, kc, jc, nc, nr, 0, panels, bPack);
                else Parallelism.For(packers, t => PackB(g, pcc, kc, jcc, nc, nr, panels * t / packers, panels * (t + 1) / packers, (float*)pb));
                int items = mBlocks * nSplit;
                Action<int> item = i =>
                {
                    int ic = i / nSplit * mBlock, mc = Math.Min(mBlock, g.M - ic), share = i % nSplit;
                    float* aPack = Workspace.Get(Workspace.Slot.PackA, (long)kc * RoundUp(mc, mr));
                    PackA(g, ic, mc, pcc, kc, mr, aPack);
                    int jrEnd = Math.Min(nc, panels * (share + 1) / nSplit * nr);
                    for (int jr = panels * share / nSplit * nr; jr < jrEnd; jr += nr)
                        for (int ir = 0; ir < mc; ir += mr)
                        {
                            TileOut o = g.Output.Offset(ic + ir, jcc + jr);
                            o.Accumulate = pcc > 0 || g.Accumulate;
                            o.Final = pcc + kc == g.K;
                            MicroKernel.TileClipped<TOps, TVec>(aPack + ir * kc, (float*)pb + jr * kc, (int*)po, kc, Math.Min(mr, mc - ir), Math.Min(nr, nc - jr), o);
                        }
                };
                if (threads == 1) for (int i = 0; i < items; i++) item(i);
                else Parallelism.For(items, item);
            }
        }
    }

    private static int RoundUp(int v, int unit) => (v + unit - 1) / unit * unit;
}
