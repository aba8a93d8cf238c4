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
            for (int i = 0; i < rows; i++)
            {
                float* src = g.A + (i0 + ir + i) * g.Lda + p0;
                for (int p = 0; p < kc; p++) d[p * mr + i] = src[p];
            }
            for (int i = rows; i < mr; i++)
                for (int p = 0; p < kc; p++) d[p * mr + i] = 0;
        }
    }

    // op(B)[p0:p0+kc, j0:j0+nc] -> dst as ceil(nc/nr) panels [kc, nr], columns past nc zero
    private static unsafe void PackB(in GemmArgs g, int p0, int kc, int j0, int nc, int nr, float* dst)
    {
        for (int jr = 0; jr < nc; jr += nr)
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
            for (int j = 0; j < cols; j++)
            {
                float* src = g.B + (j0 + jr + j) * g.Ldb + p0;
                for (int p = 0; p < kc; p++) d[p * nr + j] = src[p];
            }
            for (int j = cols; j < nr; j++)
                for (int p = 0; p < kc; p++) d[p * nr + j] = 0;
        }
    }
}
