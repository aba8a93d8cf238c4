using System.Runtime.CompilerServices;

namespace FaceParse.Tensors.Kernels;

/// <summary>Where a register tile goes and what happens to it on the way out (the fused epilogue).</summary>
internal unsafe struct TileOut
{
    /// <summary>Top-left element of the tile in C, and C's row stride.</summary>
    public float* C;
    public nint Ldc;
    /// <summary>Per-row bias (null = none); applied only when <see cref="Final"/>.</summary>
    public float* Bias;
    /// <summary>Residual tile with row stride <see cref="Ldr"/> (null = none); applied only when <see cref="Final"/>.</summary>
    public float* Residual;
    public nint Ldr;
    public Epilogue Act;
    /// <summary>Add the tile to what C holds instead of overwriting it.</summary>
    public bool Accumulate;
    /// <summary>This is the last contribution: add bias and residual and apply the activation.</summary>
    public bool Final;

    public readonly TileOut Offset(int row, int col) => this with
    {
        C = C + row * Ldc + col,
        Bias = Bias == null ? null : Bias + row,
        Residual = Residual == null ? null : Residual + row * Ldr + col,
    };
}

/// <summary>The register-tile micro-kernel shared by GEMM and the direct convolution.</summary>
internal static unsafe class MicroKernel
{
    // A panel [kc, MR] (MR = TOps.Rows), B row p at b + bOff[p] (2·Width floats), C tile [MR, 2·Width] -> o
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile<TOps, TVec>(float* a, float* b, int* bOff, int kc, in TileOut o)
        where TOps : IVecOps<TVec> where TVec : struct
    {
        int w = TOps.Width, mr = TOps.Rows;
        TVec c00 = TOps.Zero, c01 = TOps.Zero, c10 = TOps.Zero, c11 = TOps.Zero, c20 = TOps.Zero, c21 = TOps.Zero, c30 = TOps.Zero, c31 = TOps.Zero;
        TVec c40 = TOps.Zero, c41 = TOps.Zero, c50 = TOps.Zero, c51 = TOps.Zero, c60 = TOps.Zero, c61 = TOps.Zero, c70 = TOps.Zero, c71 = TOps.Zero;
        for (int p = 0; p < kc; p++)
        {
            float* bp = b + bOff[p];
            TVec b0 = TOps.Load(bp), b1 = TOps.Load(bp + w);
            TVec av = TOps.Broadcast(a[0]); c00 = TOps.Fma(av, b0, c00); c01 = TOps.Fma(av, b1, c01);
            av = TOps.Broadcast(a[1]); c10 = TOps.Fma(av, b0, c10); c11 = TOps.Fma(av, b1, c11);
            av = TOps.Broadcast(a[2]); c20 = TOps.Fma(av, b0, c20); c21 = TOps.Fma(av, b1, c21);
            av = TOps.Broadcast(a[3]); c30 = TOps.Fma(av, b0, c30); c31 = TOps.Fma(av, b1, c31);
            if (TOps.Rows > 4)
            {
                av = TOps.Broadcast(a[4]); c40 = TOps.Fma(av, b0, c40); c41 = TOps.Fma(av, b1, c41);
                av = TOps.Broadcast(a[5]); c50 = TOps.Fma(av, b0, c50); c51 = TOps.Fma(av, b1, c51);
            }
            if (TOps.Rows > 6)
            {
                av = TOps.Broadcast(a[6]); c60 = TOps.Fma(av, b0, c60); c61 = TOps.Fma(av, b1, c61);
                av = TOps.Broadcast(a[7]); c70 = TOps.Fma(av, b0, c70); c71 = TOps.Fma(av, b1, c71);
            }
            a += mr;
        }
        StoreRow<TOps, TVec>(c00, c01, 0, o);
        StoreRow<TOps, TVec>(c10, c11, 1, o);
        StoreRow<TOps, TVec>(c20, c21, 2, o);
        StoreRow<TOps, TVec>(c30, c31, 3, o);
        if (TOps.Rows > 4)
        {
            StoreRow<TOps, TVec>(c40, c41, 4, o);
            StoreRow<TOps, TVec>(c50, c51, 5, o);
        }
        if (TOps.Rows > 6)
        {
            StoreRow<TOps, TVec>(c60, c61, 6, o);
            StoreRow<TOps, TVec>(c70, c71, 7, o);
        }
        if (o.Final && o.Act > Epilogue.Relu) ActivateTile<TOps, TVec>(o);
    }

    // Activations that call out (exp) run over the stored tile while it is in L1, so the accumulators never spill.
    private static void ActivateTile<TOps, TVec>(in TileOut o) where TOps : IVecOps<TVec> where TVec : struct
    {
        for (int r = 0; r < TOps.Rows; r++) EpilogueSpan<TOps, TVec>(o.C + r * o.Ldc, null, 2 * TOps.Width, 0f, o.Act);
    }

    // p[0..count) = act(p + bias + residual[0..count)) (residual may be null), vectors then a scalar tail
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void EpilogueSpan<TOps, TVec>(float* p, float* residual, int count, float bias, Epilogue act) where TOps : IVecOps<TVec> where TVec : struct
    {
        TVec b = TOps.Broadcast(bias);
        int i = 0;
        for (; i + TOps.Width <= count; i += TOps.Width)
        {
            TVec v = TOps.Add(TOps.Load(p + i), b);
            if (residual != null) v = TOps.Add(v, TOps.Load(residual + i));
            TOps.Store(p + i, VecActivation.Apply<TOps, TVec>(v, act));
        }
        for (; i < count; i++) p[i] = VecActivation.Apply<OpsScalar, float>(p[i] + bias + (residual == null ? 0f : residual[i]), act);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<TOps, TVec>(TVec v0, TVec v1, int r, in TileOut o)
        where TOps : IVecOps<TVec> where TVec : struct
    {
        int w = TOps.Width;
        float* c = o.C + r * o.Ldc;
        if (o.Accumulate)
        {
            v0 = TOps.Add(v0, TOps.Load(c));
            v1 = TOps.Add(v1, TOps.Load(c + w));
        }
        if (o.Final)
        {
            if (o.Bias != null)
            {
                TVec bias = TOps.Broadcast(o.Bias[r]);
                v0 = TOps.Add(v0, bias);
                v1 = TOps.Add(v1, bias);
            }
            if (o.Residual != null)
            {
                float* res = o.Residual + r * o.Ldr;
                v0 = TOps.Add(v0, TOps.Load(res));
                v1 = TOps.Add(v1, TOps.Load(res + w));
            }
            if (o.Act == Epilogue.Relu)
            {
                v0 = TOps.Max(v0, TOps.Zero);
                v1 = TOps.Max(v1, TOps.Zero);
            }
        }
        TOps.Store(c, v0);
        TOps.Store(c + w, v1);
    }

    // Like Tile, for a tile clipped to rows × cols (≤ MR × 2·Width): computes into a stack tile, then merges the valid part.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void TileClipped<TOps, TVec>(float* a, float* b, int* bOff, int kc, int rows, int cols, in TileOut o)
        where TOps : IVecOps<TVec> where TVec : struct
    {
        int nr = 2 * TOps.Width;
        if (rows == TOps.Rows && cols == nr)
        {
            Tile<TOps, TVec>(a, b, bOff, kc, o);
            return;
        }
        float* tmp = stackalloc float[8 * 32];
        Tile<TOps, TVec>(a, b, bOff, kc, new TileOut { C = tmp, Ldc = nr });
        for (int r = 0; r < rows; r++)
        {
            float* c = o.C + r * o.Ldc;
            for (int j = 0; j < cols; j++)
            {
                float v = tmp[r * nr + j];
                if (o.Accumulate) v += c[j];
                if (o.Final)
                {
                    if (o.Bias != null) v += o.Bias[r];
                    if (o.Residual != null) v += o.Residual[r * o.Ldr + j];
                    v = VecActivation.Apply<OpsScalar, float>(v, o.Act);
                }
                c[j] = v;
            }
        }
    }
}
