using System.Runtime.Intrinsics;
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
    private const int KBlock = 256, MBlockTiles = 16, NBlock = 2048;

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
        switch (CpuFeatures.Active)
        {
            case SimdLevel.Avx512: Split<Ops512, Vector512<float>>(g); break;
            case SimdLevel.Avx2Fma: Split<Ops256, Vector256<float>>(g); break;
            case SimdLevel.Vector128: Split<Ops128, Vector128<float>>(g); break;
            default: Split<OpsScalar, float>(g); break;
        }
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

    // Splits C into one block per thread along the larger of M and N (each thread packs its own panels).
    private static unsafe void Split<TOps, TVec>(GemmArgs g) where TOps : IVecOps<TVec> where TVec : struct
    {
        int threads = (long)g.M * g.N * g.K < (1 << 18) ? 1 : Parallelism.Threads;
        bool alongM = g.M >= g.N;
        int unit = alongM ? TOps.Rows : 2 * TOps.Width;
        int extent = alongM ? g.M : g.N;
        int units = (extent + unit - 1) / unit;
        threads = Math.Min(threads, units);
        if (threads <= 1)
        {
            Serial<TOps, TVec>(g);
            return;
        }
        Parallelism.For(threads, t =>
        {
            int u0 = (int)((long)units * t / threads), u1 = (int)((long)units * (t + 1) / threads);
            int start = u0 * unit, end = Math.Min(extent, u1 * unit);
            if (end <= start) return;
            GemmArgs part = g;
            if (alongM)
            {
                part.M = end - start;
                part.A += g.TransA ? start : start * g.Lda;
                part.C += start * g.Ldc;
                if (g.RowBias != null) part.RowBias += start;
                if (g.Residual != null) part.Residual += start * g.Ldr;
            }
            else
            {
                part.N = end - start;
                part.B += g.TransB ? start * g.Ldb : start;
                part.C += start;
                if (g.Residual != null) part.Residual += start;
            }
            Serial<TOps, TVec>(part);
        });
    }

    // Cache-blocked loop nest on one thread: N blocks, K blocks (B packed to L3/L2), M blocks (A packed to L2), register tiles.
    private static unsafe void Serial<TOps, TVec>(in GemmArgs g) where TOps : IVecOps<TVec> where TVec : struct
    {
        int mr = TOps.Rows, nr = 2 * TOps.Width, mBlock = MBlockTiles * mr;
        int kcMax = Math.Min(KBlock, g.K), ncMax = Math.Min(NBlock, g.N), mcMax = Math.Min(mBlock, g.M);
        float* bPack = Workspace.Get(Workspace.Slot.PackB, (long)kcMax * RoundUp(ncMax, nr));
        float* aPack = Workspace.Get(Workspace.Slot.PackA, (long)kcMax * RoundUp(mcMax, mr));
        int* offsets = Workspace.GetInts(Workspace.Slot.Offsets, kcMax);
        for (int p = 0; p < kcMax; p++) offsets[p] = p * nr;
        TileOut output = g.Output;
        for (int jc = 0; jc < g.N; jc += NBlock)
        {
            int nc = Math.Min(NBlock, g.N - jc);
            for (int pc = 0; pc < g.K; pc += KBlock)
            {
                int kc = Math.Min(KBlock, g.K - pc);
                PackB(g, pc, kc, jc, nc, nr, bPack);
                for (int ic = 0; ic < g.M; ic += mBlock)
                {
                    int mc = Math.Min(mBlock, g.M - ic);
                    PackA(g, ic, mc, pc, kc, mr, aPack);
                    for (int jr = 0; jr < nc; jr += nr)
                        for (int ir = 0; ir < mc; ir += mr)
                        {
                            TileOut o = output.Offset(ic + ir, jc + jr);
                            o.Accumulate = pc > 0 || g.Accumulate;
                            o.Final = pc + kc == g.K;
                            MicroKernel.TileClipped<TOps, TVec>(aPack + ir * kc, bPack + jr * kc, offsets, kc, Math.Min(mr, mc - ir), Math.Min(nr, nc - jr), o);
                        }
                }
            }
        }
    }

    private static int RoundUp(int v, int unit) => (v + unit - 1) / unit * unit;
}
