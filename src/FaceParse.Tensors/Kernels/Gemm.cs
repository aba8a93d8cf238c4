namespace FaceParse.Tensors.Kernels;

/// <summary>Single-precision matrix multiply: C[m,n] = op(A)[m,k] · op(B)[k,n] (+ C when accumulating).</summary>
/// <remarks>
/// Row-major. A is stored [m,k] (or [k,m] when <paramref name="transA"/>), B is stored [k,n] (or [n,k] when
/// <paramref name="transB"/>). The fast path lives in the other part of this class; <see cref="MultiplyReference"/>
/// is the plain triple loop the tests hold it equal to.
/// </remarks>
public static partial class Gemm
{
    // A[m,k]|[k,m], B[k,n]|[n,k] -> C[m,n]
    public static void MultiplyReference(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int m, int n, int k, bool transA, bool transB, bool accumulate, Span<float> c)
    {
        CheckSizes(a.Length, b.Length, c.Length, m, n, k);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++)
                {
                    float av = transA ? a[p * m + i] : a[i * k + p];
                    float bv = transB ? b[j * k + p] : b[p * n + j];
                    sum += (double)av * bv;
                }
                c[i * n + j] = (float)(accumulate ? c[i * n + j] + sum : sum);
            }
        }
    }

    internal static void CheckSizes(int aLength, int bLength, int cLength, int m, int n, int k)
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentException($"GEMM sizes must be non-negative, got m={m} n={n} k={k}.");
        if (aLength < (long)m * k) throw new ArgumentException($"GEMM: A has {aLength} elements, needs m*k = {m}*{k}.");
        if (bLength < (long)k * n) throw new ArgumentException($"GEMM: B has {bLength} elements, needs k*n = {k}*{n}.");
        if (cLength < (long)m * n) throw new ArgumentException($"GEMM: C has {cLength} elements, needs m*n = {m}*{n}.");
    }
}
