using FaceParse.Tensors.Kernels;
using FaceParse.Tensors.Runtime;
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

    /// <summary>Any blocking the tuner may store gives the reference's products: tiny blocks (every loop runs many times,
    /// ragged last blocks) and large ones, on every SIMD level and thread count.</summary>
    [Fact]
    public void MultiplyMatchesReferenceUnderEveryBlocking()
    {
        var saved = GemmBlocking.Current;
        try
        {
            var rng = new Random(41);
            foreach (var blocking in new GemmBlocking[] { new(8, 1, 16), new(64, 2, 96), new(192, 5, 1000), new(512, 64, 4096), GemmBlocking.Default })
            {
                GemmBlocking.Current = blocking;
                ForEachConfiguration((level, threads) =>
                {
                    foreach (var (m, n, k) in new[] { (37, 150, 300), (130, 1100, 520) })
                        Check(rng, m, n, k, transA: m == 37, transB: m != 37, accumulate: true, $"{blocking} {level} t={threads} {m}x{n}x{k}");
                });
            }
        }
        finally
        {
            GemmBlocking.Current = saved;
        }
    }

    /// <summary>Small C, long K (a weight gradient): on two threads the reduction is split between them and the partials
    /// summed; every transpose combination, with and without accumulating into C.</summary>
    [Fact]
    public void SplitKMatchesReferenceOnEveryLevelThreadCountAndTranspose()
    {
        var rng = new Random(43);
        ForEachConfiguration((level, threads) =>
        {
            foreach (bool transA in new[] { false, true })
                foreach (bool transB in new[] { false, true })
                    foreach (bool accumulate in new[] { false, true })
                        Check(rng, 37, 70, 5003, transA, transB, accumulate, $"{level} t={threads} tA={transA} tB={transB} acc={accumulate}");
        });
    }

    [Fact]
    public void BlockingOutOfRangeIsRefused()
    {
        Assert.Throws<ArgumentException>(() => GemmBlocking.Current = new GemmBlocking(0, 16, 2048));
        Assert.Throws<ArgumentException>(() => GemmBlocking.Current = new GemmBlocking(256, 0, 2048));
        Assert.Throws<ArgumentException>(() => GemmBlocking.Current = new GemmBlocking(256, 16, 1 << 20));
    }

    [Fact]
    public void TuningFileAppliesOnlyToItsOwnCpuAndWhenWellFormed()
    {
        string dir = Path.Combine(Path.GetTempPath(), "faceparse-gemm-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string File(string name, string text)
            {
                string path = Path.Combine(dir, name);
                System.IO.File.WriteAllText(path, text);
                return path;
            }
            string cpu = System.Text.Json.JsonSerializer.Serialize(CpuFeatures.ModelName), simd = CpuFeatures.Detected.ToString();
            string good = File("good.json", $$"""{"cpu": {{cpu}}, "simd": "{{simd}}", "k_block": 384, "m_block_tiles": 8, "n_block": 1024}""");
            Assert.Equal(new GemmBlocking(384, 8, 1024), GemmBlocking.Read(good, out string reason));
            Assert.StartsWith("tuned", reason);

            string other = File("other.json", $$"""{"cpu": "Some Other CPU", "simd": "{{simd}}", "k_block": 384, "m_block_tiles": 8, "n_block": 1024}""");
            Assert.Null(GemmBlocking.Read(other, out reason));
            Assert.Contains("Some Other CPU", reason);
            string otherSimd = File("simd.json", $$"""{"cpu": {{cpu}}, "simd": "NotALevel", "k_block": 384, "m_block_tiles": 8, "n_block": 1024}""");
            Assert.Null(GemmBlocking.Read(otherSimd, out _));
            Assert.Null(GemmBlocking.Read(File("range.json", $$"""{"cpu": {{cpu}}, "simd": "{{simd}}", "k_block": 0, "m_block_tiles": 8, "n_block": 1024}"""), out reason));
            Assert.Contains("out-of-range", reason);
            Assert.Null(GemmBlocking.Read(File("broken.json", "{\"cpu\": "), out reason));
            Assert.Contains("unreadable", reason);
            Assert.Null(GemmBlocking.Read(File("missing-key.json", $$"""{"cpu": {{cpu}}, "simd": "{{simd}}"}"""), out _));
            Assert.Null(GemmBlocking.Read(Path.Combine(dir, "absent.json"), out reason));
            Assert.Equal("no tuning file", reason);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
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
