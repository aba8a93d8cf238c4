namespace FaceParse.Models.Tests;

/// <summary>Tests that set the global SIMD level or thread count run here, alone: a kernel in a test running beside them
/// could otherwise see the level change between choosing a path and running it (ConvChain checks for a banded kernel once,
/// then calls it).</summary>
[CollectionDefinition("model-globals", DisableParallelization = true)]
public sealed class ModelGlobalsCollection;

/// <summary>Output shapes at arbitrary sizes, the fast path against the literal form, and LIIF's coordinate convention.</summary>
[Collection("model-globals")]
public sealed class FpLiifForwardTests(ITestOutputHelper output)
{
    internal static Tensor RandomImages(int n, int h, int w, int seed) => Tensor.Uniform(new Random(seed), 0f, 1f, n, 3, h, w);

    /// <summary>Hands the pool a NaN-filled buffer of <paramref name="length"/> floats, so the next uninitialised tensor of
    /// that length starts as NaN: an element a kernel forgets to write then shows, instead of keeping a value an earlier
    /// (correct) call left in a reused buffer.</summary>
    internal static void PoisonPool(int length)
    {
        var t = Tensor.Empty(length);
        t.Span.Fill(float.NaN);
        t.Dispose();
    }

    [Fact]
    public void ForwardGivesAnyOutputSizeIndependentOfTheInput()
    {
        var model = new FpLiifModel(VarBuilder.Init(1), FpLiifConfigs.Tiny);
        var x = RandomImages(1, 96, 80, 2);
        var (z, g) = model.Encode(x);
        Assert.Equal([1, 16, 24, 20], z.Shape);
        Assert.Equal([1, 16], g.Shape);
        Assert.Equal([1, 19, 37, 53], model.Forward(x, 37, 53).Shape);
        using (GradMode.NoGrad()) Assert.Equal([1, 19, 37, 53], model.Forward(x, 37, 53).Shape);
        Assert.Equal([1, 16, 8, 6], model.Encode(RandomImages(1, 30, 22, 3)).Z.Shape);
        Assert.Throws<ArgumentException>(() => model.Forward(x, 0, 5));
    }

    public static TheoryData<FpLiifUpsampling, FpLiifPositionalEncoding> Modes() => new()
    {
        { FpLiifUpsampling.Bilinear, FpLiifPositionalEncoding.LiifRelative },
        { FpLiifUpsampling.Nearest, FpLiifPositionalEncoding.LiifRelative },
        { FpLiifUpsampling.LocalEnsemble, FpLiifPositionalEncoding.LiifRelative },
        { FpLiifUpsampling.Bilinear, FpLiifPositionalEncoding.Sinusoidal },
    };

    /// <summary>Random weights, batch 2, input 18×14 (latent 5×4); outputs equal, smaller, larger, non-square and 1×1;
    /// chunks of 40 pixels so several row chunks (and a partial last one) are exercised.</summary>
    [Theory]
    [MemberData(nameof(Modes))]
    public void FastPathEqualsTheLiteralForm(FpLiifUpsampling upsampling, FpLiifPositionalEncoding encoding)
    {
        var config = FpLiifConfigs.Tiny with { Upsampling = upsampling, PositionalEncoding = encoding, ChunkPixels = 40 };
        var model = new FpLiifModel(VarBuilder.Init(5), config);
        // Larger-than-default weights, so logits are O(1) and vary from pixel to pixel (a stricter comparison).
        foreach (var p in model.Parameters()) System.Numerics.Tensors.TensorPrimitives.Multiply(p.Span, 2f, p.Span);
        var x = RandomImages(2, 18, 14, 6);
        foreach (var (h, w) in new[] { (18, 14), (9, 7), (37, 53), (20, 11), (1, 1) })
        {
            float[] reference, fast;
            using (GradMode.NoGrad())
            {
                reference = model.ForwardReference(x, h, w).ToArray();
                fast = model.ForwardFast(x, h, w).ToArray();
            }
            float maxDiff = reference.Zip(fast, (a, b) => MathF.Abs(a - b)).Max();
            float spread = h * w == 1 ? 1f : reference.Take(h * w).Max() - reference.Take(h * w).Min();
            output.WriteLine($"{upsampling}/{encoding} {h}x{w}: max |Δ| = {maxDiff:E2} (max |logit| {reference.Max(MathF.Abs):F3}, class-0 spread {spread:F3})");
            Assert.True(maxDiff <= 1e-4f, $"{h}x{w}: max |Δlogit| {maxDiff}");
            Assert.True(spread > 1e-2f, $"{h}x{w}: logits barely vary ({spread})");
        }
    }

    /// <summary>The fused grid decoder (separable sampling, folded W_pe, GEMM epilogues) against the per-op fast form it
    /// replaces, at every SIMD level this CPU has and 1 and 2 threads, with chunks that split rows unevenly; at the default
    /// ChunkPixels the 70 × 80 grid is decoded in chunks of the fused decoders' cache size, the per-op form in one.</summary>
    [Theory]
    [InlineData(FpLiifPositionalEncoding.LiifRelative, 70)]
    [InlineData(FpLiifPositionalEncoding.Sinusoidal, 70)]
    [InlineData(FpLiifPositionalEncoding.LiifRelative, 16384)]
    public void FusedGridDecoderEqualsThePerOpFormAtEveryLevelAndThreadCount(FpLiifPositionalEncoding encoding, int chunkPixels)
    {
        var config = FpLiifConfigs.Tiny with { PositionalEncoding = encoding, ChunkPixels = chunkPixels };
        var model = new FpLiifModel(VarBuilder.Init(9), config);
        foreach (var p in model.Parameters()) System.Numerics.Tensors.TensorPrimitives.Multiply(p.Span, 2f, p.Span);
        var x = RandomImages(2, 20, 16, 8);
        var (level, threads) = (Tensors.Runtime.CpuFeatures.Active, Tensors.Runtime.Parallelism.Threads);
        try
        {
            foreach (var l in Enum.GetValues<Tensors.Runtime.SimdLevel>().Where(v => v <= Tensors.Runtime.CpuFeatures.Detected))
                foreach (int t in new[] { 1, 2 })
                    foreach (var (h, w) in new[] { (20, 16), (41, 23), (3, 70), (1, 1), (70, 80) })
                    {
                        (Tensors.Runtime.CpuFeatures.Active, Tensors.Runtime.Parallelism.Threads) = (l, t);
                        float[] perOp, fused;
                        FpLiifFastPath.PerOpForm = true;
                        try { perOp = model.ForwardFast(x, h, w).ToArray(); }
                        finally { FpLiifFastPath.PerOpForm = false; }
                        PoisonPool(perOp.Length);
                        fused = model.ForwardFast(x, h, w).ToArray();
                        Assert.False(fused.Any(float.IsNaN), $"{l} t={t} {h}x{w}: logits left unwritten");
                        float maxDiff = perOp.Zip(fused, (a, b) => MathF.Abs(a - b)).Max();
                        Assert.True(maxDiff <= 1e-4f, $"{l} t={t} {h}x{w}: max |Δlogit| {maxDiff}");
                        Assert.True(perOp.Max() - perOp.Min() > 1e-2f, "logits barely vary");
                    }
        }
        finally
        {
            (Tensors.Runtime.CpuFeatures.Active, Tensors.Runtime.Parallelism.Threads) = (level, threads);
        }
    }

    [Fact]
    public void PixelCentresHitTheirNearestLatentCell()
    {
        var coords = LiifSampling.GridCoords(4, 4, 0, 4);
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(-1f + (2 * i + 1) / 4f, coords[i * 4 * 2]); // y of row i
            Assert.Equal(-1f + (2 * i + 1) / 4f, coords[i * 2 + 1]); // x of column i
        }
        var config = FpLiifConfigs.Tiny with { Upsampling = FpLiifUpsampling.Nearest };
        foreach (var (hf, wf) in new[] { (2, 2), (4, 4), (1, 3) })
        {
            // Latent value = its cell index, so a nearest grid_sample returns the index it fetched.
            var latent = Tensor.FromArray([.. Enumerable.Range(0, hf * wf).Select(v => (float)v)], 1, 1, hf, wf);
            var tap = Assert.Single(LiifSampling.Taps(config, coords, hf, wf, (4, 4)));
            var fetched = latent.GridSample(Tensor.FromArray(tap.Grid, 1, 1, 16, 2), GridSampleMode.Nearest).ToArray();
            for (int y = 0; y < 4; y++)
                for (int x = 0; x < 4; x++)
                {
                    // The cell containing the pixel centre: ⌊(i + ½)·n_latent / 4⌋.
                    int p = y * 4 + x, cellY = (2 * y + 1) * hf / 8, cellX = (2 * x + 1) * wf / 8;
                    Assert.Equal(cellY * wf + cellX, (int)fetched[p]);
                    // The relative offset is the distance to that cell's centre, in latent cells.
                    Assert.Equal((coords[2 * p] - LiifSampling.Centre(cellY, hf)) * hf, tap.Encoding[4 * p], 5);
                    Assert.Equal((coords[2 * p + 1] - LiifSampling.Centre(cellX, wf)) * wf, tap.Encoding[4 * p + 1], 5);
                    Assert.Equal(2f / 4 * hf, tap.Encoding[4 * p + 2], 5);
                }
        }
    }

    [Fact]
    public void LocalEnsembleWeightsArePositiveAndSumToOne()
    {
        var config = FpLiifConfigs.Tiny with { Upsampling = FpLiifUpsampling.LocalEnsemble };
        var coords = LiifSampling.GridCoords(7, 9, 0, 7);
        var taps = LiifSampling.Taps(config, coords, 3, 4, (7, 9));
        Assert.Equal(4, taps.Length);
        for (int p = 0; p < 63; p++)
        {
            Assert.All(taps, t => Assert.True(t.Weight![p] > 0f));
            Assert.Equal(1f, taps.Sum(t => t.Weight![p]), 5);
        }
    }
}
