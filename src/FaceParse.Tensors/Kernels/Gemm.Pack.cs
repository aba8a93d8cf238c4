using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FaceParse.Tensors.Kernels;

public static partial class Gemm
{
    // op(A)[i0:i0+mc, p0:p0+kc] -> dst as ceil(mc/mr) panels [kc, mr], rows past mc zero
    private static unsafe void PackA(in GemmArgs g, int i0, int mc, int p0, int kc, int mr, float* dst)
    {
        for (int ir = 0; ir < mc; ir += mr)
        {
            int rows = Math.Min(mr, mc - ir);
            float* d = dst + ir * kc;
            if (g.TransA)
            {
                for (int p = 0; p < kc; p++)
                {
                    float* src = g.A + (p0 + p) * g.Lda + i0 + ir;
                    float* dp = d + p * mr;
                    int i = 0;
                    for (; i < rows; i++) dp[i] = src[i];
                    for (; i < mr; i++) dp[i] = 0;
                }
                continue;
            }
            int done = 0;
            if (rows == 8 && mr == 8 && Avx.IsSupported)
                for (; done + 8 <= kc; done += 8) Transpose8x8(g.A + (i0 + ir) * g.Lda + p0 + done, g.Lda, d + done * 8, 8);
            for (int i = 0; i < rows; i++)
            {
                float* src = g.A + (i0 + ir + i) * g.Lda + p0;
                for (int p = done; p < kc; p++) d[p * mr + i] = src[p];
            }
            for (int i = rows; i < mr; i++)
                for (int p = 0; p < kc; p++) d[p * mr + i] = 0;
        }
    }

    // op(B)[p0:p0+kc, j0:j0+nc] -> dst as ceil(nc/nr) panels [kc, nr], columns past nc zero; only panels [panel0, panel1)
    private static unsafe void PackB(in GemmArgs g, int p0, int kc, int j0, int nc, int nr, int panel0, int panel1, float* dst)
    {
        for (int jr = panel0 * nr; jr < Math.Min(nc, panel1 * nr); jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            float* d = dst + jr * kc;
            if (!g.TransB)
            {
                for (int p = 0; p < kc; p++)
                {
                    float* src = g.B + (p0 + p) * g.Ldb + j0 + jr;
                    float* dp = d + p * nr;
                    Buffer.MemoryCopy(src, dp, cols * sizeof(float), cols * sizeof(float));
                    for (int j = cols; j < nr; j++) dp[j] = 0;
                }
                continue;
            }
            // Blocks of 8 stored rows × 8 k go through the AVX transpose, the ragged rest element by element.
            int j8 = Avx.IsSupported && nr % 8 == 0 ? cols & ~7 : 0, k8 = kc & ~7;
            for (int j = 0; j < j8; j += 8)
                for (int p = 0; p < k8; p += 8) Transpose8x8(g.B + (j0 + jr + j) * g.Ldb + p0 + p, g.Ldb, d + p * nr + j, nr);
            for (int j = 0; j < cols; j++)
            {
                float* src = g.B + (j0 + jr + j) * g.Ldb + p0;
                for (int p = j < j8 ? k8 : 0; p < kc; p++) d[p * nr + j] = src[p];
            }
            for (int j = cols; j < nr; j++)
                for (int p = 0; p < kc; p++) d[p * nr + j] = 0;
        }
    }

    // src rows r0..r7 (stride ld), 8 columns each -> dst[j·ldd + i] = src[i·ld + j]
    private static unsafe void Transpose8x8(float* src, nint ld, float* dst, nint ldd)
    {
        Vector256<float> r0 = Avx.LoadVector256(src), r1 = Avx.LoadVector256(src + ld), r2 = Avx.LoadVector256(src + 2 * ld), r3 = Avx.LoadVector256(src + 3 * ld);
        Vector256<float> r4 = Avx.LoadVector256(src + 4 * ld), r5 = Avx.LoadVector256(src + 5 * ld), r6 = Avx.LoadVector256(src + 6 * ld), r7 = Avx.LoadVector256(src + 7 * ld);
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1), t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5), t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE), u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE), u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(dst + 1 * ldd, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(dst + 2 * ldd, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(dst + 3 * ldd, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(dst + 4 * ldd, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(dst + 5 * ldd, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(dst + 6 * ldd, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(dst + 7 * ldd, Avx.Permute2x128(u3, u7, 0x31));
    }
}
