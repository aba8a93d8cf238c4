namespace FaceParse.Models.Tests;

/// <summary><see cref="FpLiifModel.ForwardAt"/>: logits at arbitrary points queried from the continuous decoder, in
/// grid_sample's (x, y) convention.</summary>
[Collection("model-globals")]
public sealed class FpLiifForwardAtTests(ITestOutputHelper output)
{
    // the pixel-centre grid of an h × w output as grid_sample coordinates (x, y), repeated for n images → [n, h, w, 2]
    private static Tensor CentreGrid(int n, int h, int w)
    {
        var xy = new float[n * h * w * 2];
        for (int b = 0; b < n; b++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    int p = ((b * h + y) * w + x) * 2;
                    xy[p] = -1f + (2f * x + 1f) / w;
                    xy[p + 1] = -1f + (2f * y + 1f) / h;
                }
        return Tensor.FromArray(xy, n, h, w, 2);
    }

    // a seeded model with doubled weights, so its logits vary enough for differences to show
    private static FpLiifModel Sharpened(int seed, FpLiifConfig config)
    {
        var model = new FpLiifModel(VarBuilder.Init(seed), config);
        foreach (var p in model.Parameters()) System.Numerics.Tensors.TensorPrimitives.Multiply(p.Span, 2f, p.Span);
        return model;
    }

    /// <summary>A full pixel-centre grid gives Forward at that size, with and without gradient recording, for non-square
    /// sizes (an x/y swap would transpose the result) and chunks smaller than the grid.</summary>
    [Theory]
    [InlineData(FpLiifUpsampling.Bilinear)]
    [InlineData(FpLiifUpsampling.LocalEnsemble)]
    public void CentreGridEqualsForward(FpLiifUpsampling upsampling)
    {
        var model = Sharpened(5, FpLiifConfigs.Tiny with { Upsampling = upsampling, ChunkPixels = 50 });
        var x = FpLiifForwardTests.RandomImages(2, 18, 14, 6);
        foreach (var (h, w) in new[] { (23, 11), (9, 17), (1, 1) })
        {
            float[] reference, queried, recorded;
            using (GradMode.NoGrad())
            {
                reference = model.Forward(x, h, w).ToArray();
                queried = model.ForwardAt(x, CentreGrid(2, h, w)).ToArray();
            }
            recorded = model.ForwardAt(x, CentreGrid(2, h, w)).ToArray();
            float fast = reference.Zip(queried, (a, b) => MathF.Abs(a - b)).Max(), literal = reference.Zip(recorded, (a, b) => MathF.Abs(a - b)).Max();
            output.WriteLine($"{upsampling} {h}x{w}: max |Δ| chunked {fast:E2}, recorded {literal:E2}, max |logit| {reference.Max(MathF.Abs):F3}");
            Assert.True(fast <= 1e-4f && literal <= 1e-4f, $"{h}x{w}: max |Δlogit| {fast} / {literal}");
        }
    }

    /// <summary>The fused point decoder (bilinear configurations without gradients) against the literal query it replaces,
    /// at scattered points as a warp back asks for them (rotated, some outside [-1, 1] so the border clamp acts, some exactly
    /// on it), at every SIMD level this CPU has and 1 and 2 threads, with chunks that split the points unevenly; at the
    /// default ChunkPixels the 45 × 61 points go in chunks of the fused decoders' cache size, the literal query in one.</summary>
    [Theory]
    [InlineData(FpLiifPositionalEncoding.LiifRelative, 40, 7, 13)]
    [InlineData(FpLiifPositionalEncoding.Sinusoidal, 40, 7, 13)]
    [InlineData(FpLiifPositionalEncoding.LiifRelative, 16384, 45, 61)]
    public void FusedPointDecoderEqualsTheLiteralQuery(FpLiifPositionalEncoding encoding, int chunkPixels, int hq, int wq)
    {
        var model = Sharpened(11, FpLiifConfigs.Tiny with { PositionalEncoding = encoding, ChunkPixels = chunkPixels });
        var x = FpLiifForwardTests.RandomImages(2, 20, 16, 4);
        var rng = new Random(7);
        var xy = new float[2 * hq * wq * 2];
        for (int i = 0; i < xy.Length; i += 2)
        {
            double u = rng.NextDouble() * 2.6 - 1.3, v = rng.NextDouble() * 2.6 - 1.3; // a rotated, scaled sampling of the frame
            (xy[i], xy[i + 1]) = ((float)(0.8 * u - 0.3 * v), (float)(0.3 * u + 0.8 * v));
        }
        (xy[0], xy[1], xy[2], xy[3], xy[4], xy[5]) = (-1f, -1f, 1f, 1f, 1f, -1f);
        var coords = Tensor.FromArray(xy, 2, hq, wq, 2);
        float[] recorded = model.ForwardAt(x, coords).ToArray();
        var (level, threads) = (Tensors.Runtime.CpuFeatures.Active, Tensors.Runtime.Parallelism.Threads);
        try
        {
            foreach (var l in Enum.GetValues<Tensors.Runtime.SimdLevel>().Where(v => v <= Tensors.Runtime.CpuFeatures.Detected))
                foreach (int t in new[] { 1, 2 })
                {
                    (Tensors.Runtime.CpuFeatures.Active, Tensors.Runtime.Parallelism.Threads) = (l, t);
                    float[] literal, fused;
                    using (GradMode.NoGrad())
                    {
                        FpLiifFastPath.PerOpForm = true;
                        try { literal = model.ForwardAt(x, coords).ToArray(); }
                        finally { FpLiifFastPath.PerOpForm = false; }
                        FpLiifForwardTests.PoisonPool(literal.Length);
                        fused = model.ForwardAt(x, coords).ToArray();
                    }
                    Assert.False(fused.Any(float.IsNaN), $"{l} t={t}: logits left unwritten");
                    float toLiteral = literal.Zip(fused, (a, b) => MathF.Abs(a - b)).Max(), toRecorded = recorded.Zip(fused, (a, b) => MathF.Abs(a - b)).Max();
                    output.WriteLine($"{encoding} {l} t={t}: max |Δ| to the literal chunked query {toLiteral:E2}, to the recorded one {toRecorded:E2}");
                    Assert.True(toLiteral <= 1e-4f && toRecorded <= 1e-4f, $"{l} t={t}: max |Δlogit| {toLiteral} / {toRecorded}");
                }
        }
        finally
        {
            (Tensors.Runtime.CpuFeatures.Active, Tensors.Runtime.Parallelism.Threads) = (level, threads);
        }
        Assert.True(recorded.Max() - recorded.Min() > 1e-2f, "logits barely vary");
    }

    /// <summary>The cell term comes from the query grid's spacing; a grid of one point has none, so it is read with the
    /// whole-image cell (2, 2), which is what a 1×1 Forward uses.</summary>
    [Fact]
    public void SinglePointUsesTheWholeImageCell()
    {
        var model = new FpLiifModel(VarBuilder.Init(3), FpLiifConfigs.Tiny);
        var x = FpLiifForwardTests.RandomImages(1, 16, 16, 2);
        using var noGrad = GradMode.NoGrad();
        var one = model.ForwardAt(x, Tensor.FromArray([0f, 0f], 1, 1, 1, 2)).ToArray();
        var forward = model.Forward(x, 1, 1).ToArray();
        Assert.Equal(forward.Length, one.Length);
        for (int i = 0; i < one.Length; i++) Assert.True(MathF.Abs(one[i] - forward[i]) <= 1e-5f, $"class {i}: {one[i]} vs {forward[i]}");
    }

    [Fact]
    public void RejectsCoordinatesOfTheWrongShape()
    {
        var model = new FpLiifModel(VarBuilder.Init(3), FpLiifConfigs.Tiny);
        var x = FpLiifForwardTests.RandomImages(1, 16, 16, 2);
        Assert.Throws<ArgumentException>(() => model.ForwardAt(x, Tensor.Zeros(1, 4, 2)));
        Assert.Throws<ArgumentException>(() => model.ForwardAt(x, Tensor.Zeros(2, 4, 4, 2)));
        Assert.Throws<ArgumentException>(() => model.ForwardAt(x, Tensor.Zeros(1, 4, 4, 3)));
    }
}
