using FaceParse.Tensors.Runtime;

namespace FaceParse.Tensors.Tests.Kernels;

/// <summary>Tests that set the global SIMD level or thread count run here, one at a time.</summary>
[CollectionDefinition("kernels-global", DisableParallelization = true)]
public sealed class KernelGlobalsCollection;

internal static class KernelTestSupport
{
    /// <summary>Every SIMD level this CPU supports.</summary>
    public static IEnumerable<SimdLevel> Levels => Enum.GetValues<SimdLevel>().Where(l => l <= CpuFeatures.Detected);

    /// <summary>Runs body under each supported SIMD level and thread count 1 and 2, restoring the globals afterwards.</summary>
    public static void ForEachConfiguration(Action<SimdLevel, int> body)
    {
        SimdLevel level = CpuFeatures.Active;
        int threads = Parallelism.Threads;
        try
        {
            foreach (SimdLevel l in Levels)
                foreach (int t in new[] { 1, 2 })
                {
                    CpuFeatures.Active = l;
                    Parallelism.Threads = t;
                    body(l, t);
                }
        }
        finally
        {
            CpuFeatures.Active = level;
            Parallelism.Threads = threads;
        }
    }

    public static float[] Random(Random rng, long count)
    {
        var a = new float[count];
        for (long i = 0; i < count; i++) a[i] = (float)(rng.NextDouble() * 2 - 1);
        return a;
    }

    public static float[] Abs(float[] a) => a.Select(MathF.Abs).ToArray();

    /// <summary>
    /// Tolerance used by every kernel test: |fast − reference| ≤ 1e-4·(1 + magnitude), where magnitude is the same
    /// computation on absolute values (Σ|a·b| plus |bias| and |residual|), so it scales with the size of the sum.
    /// </summary>
    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, ReadOnlySpan<float> magnitude, string context)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double tol = 1e-4 * (1 + magnitude[i]);
            if (!(Math.Abs(expected[i] - actual[i]) <= tol))
                Assert.Fail($"{context}: element {i}: expected {expected[i]}, got {actual[i]} (tolerance {tol:g3}).");
        }
    }
}
