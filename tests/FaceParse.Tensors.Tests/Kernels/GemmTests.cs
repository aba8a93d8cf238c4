using FaceParse.Tensors.Kernels;
using static FaceParse.Tensors.Tests.Kernels.KernelTestSupport;

namespace FaceParse.Tensors.Tests.Kernels;

[Collection("kernels-global")]
public sealed class GemmTests
{
    private static readonly (int M, int N, int K)[] Shapes =
    [
        (1, 1, 1), (3, 5, 7), (8, 32, 16), (17, 33, 9), (6, 16, 300), (40, 70, 257), (129, 31, 64), (2, 100, 3), (9, 8, 0), (150, 40, 80),
    ];

    [Fact]
    public void MultiplyMatchesReferenceOnEveryLevelThreadCountTransposeAndAccumulate()
    {
        var rng = new Random(1234);
        ForEachConfiguration((level, threads) =>
        {
            foreach (var (m, n, k) in Shapes)
                foreach (bool transA in new[] { false, true })
                    foreach (bool transB in new[] { false, true })
                        foreach (bool accumulate in new[] { false, true })
                            Check(rng, m, n, k, transA, transB, accumulate, $"{level} t={threads} m={m} n={n} k={k} tA={transA} tB={transB} acc={accumulate}");
        });
    }

    [Fact]
    public void MultiplyMatchesReferenceOnRandomShapes()
    {
        var rng = new Random(99);
        ForEachConfiguration((level, threads) =>
        {
            for (int i = 0; i < 6; i++)
            {
                int m = rng.Next(1, 90), n = rng.Next(1, 90), k = rng.Next(1, 300);
                Check(rng, m, n, k, rng.Next(2) == 0, rng.Next(2) == 0, rng.Next(2) == 0, $"{level} t={threads} m={m} n={n} k={k}");
            }
        });
    }

    [Fact]
    public void BatchedMatchesPerMatrixReference()
    {
        var rng = new Random(7);
        int batch = 3, m = 13, n = 37, k = 21;
        float[] a = Random(rng, batch * m * k), b = Random(rng, k * n), c = Random(rng, batch * m * n), expected = (float[])c.Clone();
        Gemm.MultiplyBatched(a, b, batch, m, n, k, false, true, true, c, m * k, 0, m * n);
        for (int i = 0; i < batch; i++)
            Gemm.MultiplyReference(a.AsSpan(i * m * k), b, m, n, k, false, true, true, expected.AsSpan(i * m * n, m * n));
        float[] mag = new float[batch * m * n];
        for (int i = 0; i < batch; i++)
            Gemm.MultiplyReference(Abs(a).AsSpan(i * m * k), Abs(b), m, n, k, false, true, false, mag.AsSpan(i * m * n, m * n));
        AssertClose(expected, c, Enumerable.Range(0, mag.Length).Select(i => mag[i] + 1f).ToArray(), "batched");
    }

    [Fact]
    public void BadSizesThrowNamingTheShapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Gemm.Multiply(new float[5], new float[6], 2, 3, 3, false, false, false, new float[6]));
        Assert.Contains("m*k = 2*3", e.Message);
        e = Assert.Throws<ArgumentException>(() => Gemm.Multiply(new float[6], new float[9], 2, 3, 3, false, false, false, new float[5]));
        Assert.Contains("m*n = 2*3", e.Message);
        Assert.Throws<ArgumentException>(() => Gemm.Multiply(new float[6], new float[9], -1, 3, 3, false, false, false, new float[6]));
    }

    [Fact]
    public void MultiplyEpilogueMatchesReferencePlusBiasAndActivationInsideAWiderOutput()
    {
        var rng = new Random(77);
        ForEachConfiguration((level, threads) =>
        {
            foreach (var (m, n, k) in Shapes)
                foreach (bool withBias in new[] { false, true })
                    foreach (var act in new[] { Epilogue.None, Epilogue.Relu })
                    {
                        int ldc = n + 5;
                        float[] a = Random(rng, m * k), b = Random(rng, k * n), bias = withBias ? Random(rng, m) : [];
                        float[] expected = new float[m * n], mag = new float[m * n];
                        Gemm.MultiplyReference(a, b, m, n, k, false, false, false, expected);
                        Gemm.MultiplyReference(Abs(a), Abs(b), m, n, k, false, false, false, mag);
                        var sentinel = Random(rng, Math.Max(0, (m - 1) * ldc + n));
                        var actual = (float[])sentinel.Clone();
                        Gemm.MultiplyEpilogue(a, b, m, n, k, bias, act, actual, ldc);
                        var packed = new float[m * n];
                        for (int i = 0; i < m; i++)
                        {
                            for (int j = 0; j < n; j++)
                            {
                                float v = expected[i * n + j] + (withBias ? bias[i] : 0);
                                expected[i * n + j] = Activations.Apply(act, v);
                                mag[i * n + j] += withBias ? MathF.Abs(bias[i]) : 0;
                                packed[i * n + j] = actual[i * ldc + j];
                            }
                            // the gap between rows of the wider output is left untouched
                            for (int j = n; j < ldc && i < m - 1; j++) Assert.Equal(sentinel[i * ldc + j], actual[i * ldc + j]);
                        }
                        AssertClose(expected, packed, mag, $"{level} t={threads} m={m} n={n} k={k} bias={withBias} act={act}");
                    }
        });
        Assert.Throws<ArgumentException>(() => Gemm.MultiplyEpilogue(new float[6], new float[9], 2, 3, 3, [], Epilogue.None, new float[6], 2));
        Assert.Throws<ArgumentException>(() => Gemm.MultiplyEpilogue(new float[6], new float[9], 2, 3, 3, new float[1], Epilogue.None, new float[6], 3));
        Assert.Throws<ArgumentException>(() => Gemm.MultiplyEpilogue(new float[6], new float[9], 2, 3, 3, [], Epilogue.None, new float[6], 4));
    }

    private static void Check(Random rng, int m, int n, int k, bool transA, bool transB, bool accumulate, string context)
    {
        float[] a = Random(rng, m * k), b = Random(rng, k * n), c0 = Random(rng, m * n);
        float[] expected = (float[])c0.Clone(), actual = (float[])c0.Clone(), mag = Abs(c0);
        Gemm.MultiplyReference(a, b, m, n, k, transA, transB, accumulate, expected);
        Gemm.Multiply(a, b, m, n, k, transA, transB, accumulate, actual);
        Gemm.MultiplyReference(Abs(a), Abs(b), m, n, k, transA, transB, true, mag);
        AssertClose(expected, actual, mag, context);
    }
}
