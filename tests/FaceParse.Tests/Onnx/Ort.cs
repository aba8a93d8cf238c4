using FaceParse.OnnxRuntime;

namespace FaceParse.Tests.Onnx;

/// <summary>ONNX Runtime (NuGet Microsoft.ML.OnnxRuntime, in-process) for the cross-checks: skipped with the reason when its
/// native library does not load, failing instead under FACEPARSE_REQUIRE_ORT=1 (set by .ci/run).</summary>
internal static class Ort
{
    public static void Require()
    {
        if (OrtAvailability.Unavailable() is not { } why) return;
        if (Environment.GetEnvironmentVariable("FACEPARSE_REQUIRE_ORT") == "1") Assert.Fail($"ONNX Runtime is required (FACEPARSE_REQUIRE_ORT=1): {why}.");
        Assert.Skip($"ONNX Runtime cross-check skipped: {why}.");
    }

    /// <summary>‖a − b‖ / ‖b‖ in double precision.</summary>
    public static double RelativeL2(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(b.Length, a.Length);
        double diff = 0, norm = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double d = (double)a[i] - b[i];
            diff += d * d;
            norm += (double)b[i] * b[i];
        }
        return Math.Sqrt(diff / Math.Max(norm, double.Epsilon));
    }

    /// <summary>Share of pixels whose arg-max over the class axis agrees, for logits [N, K, H, W] stored flat.</summary>
    public static double ArgMaxAgreement(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int n, int k, int plane)
    {
        long same = 0;
        for (int img = 0; img < n; img++)
            for (int p = 0; p < plane; p++)
            {
                int ia = 0, ib = 0;
                for (int c = 1; c < k; c++)
                {
                    if (a[(img * k + c) * plane + p] > a[(img * k + ia) * plane + p]) ia = c;
                    if (b[(img * k + c) * plane + p] > b[(img * k + ib) * plane + p]) ib = c;
                }
                if (ia == ib) same++;
            }
        return same / (double)(n * plane);
    }

    public static float[] Random(Random rng, long count, float scale = 1f)
    {
        var a = new float[count];
        for (long i = 0; i < count; i++) a[i] = (float)(rng.NextDouble() * 2 - 1) * scale;
        return a;
    }
}
