using System.Text.Json;
using FaceParse.Tensors.Kernels;

namespace FaceParse.Cli.Tests;

/// <summary>Our convolution against ONNX Runtime's Conv (an implementation we did not write), and the side-by-side benchmark.
/// Skipped when node or onnxruntime-node is missing; failing then with FACEPARSE_REQUIRE_ORT=1 (set by .ci/run).</summary>
[Collection("cli")]
public sealed class OrtConvTests
{
    public static TheoryData<string> Geometries() =>
    [
        "1,64,33,47,64,3,3,1,1,1,1,1,1,1",   // the encoders' 3×3, ragged width
        "2,8,20,40,16,3,3,2,2,1,1,1,1,1",    // batch 2, stride 2
        "1,6,19,37,9,3,3,1,1,2,2,2,2,1",     // dilation 2
        "1,8,12,40,12,3,3,1,1,1,1,1,1,2",    // 2 groups
        "1,16,18,36,16,3,3,1,1,1,1,1,1,16",  // depthwise
        "1,24,9,35,10,1,1,1,1,0,0,1,1,1",    // 1×1 as GEMM
        "1,3,11,13,5,5,5,1,1,2,2,1,1,1",     // narrow rows: im2col path
    ];

    [Theory]
    [MemberData(nameof(Geometries))]
    public void ConvolutionMatchesOnnxRuntime(string geometry)
    {
        RequireOrt();
        int[] v = [.. geometry.Split(',').Select(int.Parse)];
        var g = new Conv2dGeometry(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13]);
        var rng = new Random(geometry.Length);
        float[] x = Random(rng, g.InputSize), w = Random(rng, g.WeightSize), bias = Random(rng, g.OutChannels);
        var ours = new float[g.OutputSize];
        Conv2d.Forward(x, w, bias, [], g, Epilogue.None, ours);

        float[] theirs = OrtConv.Run(g, x, w, bias);
        Assert.Equal(ours.Length, theirs.Length);
        double maxDiff = ours.Zip(theirs, (a, b) => (double)Math.Abs(a - b)).Max();
        double scale = theirs.Max(Math.Abs);
        Assert.True(maxDiff <= 1e-5 * Math.Max(1, scale) * Math.Sqrt(g.InChannelsPerGroup * g.KernelHeight * g.KernelWidth),
            $"max |ours - ORT| = {maxDiff} for {g} (output scale {scale})");
    }

    [Fact]
    public void BenchKernelsCompareOrtAddsAnOrtRowAfterEachConvolution()
    {
        RequireOrt();
        var (exit, stdout, stderr) = CliHarness.Run("bench", "kernels", "--json", "--quick", "--threads", "1", "--compare-ort");
        Assert.True(exit == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var rows = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(10, rows.Count); // 2 GEMM rows, then 4 convolutions each followed by ORT's row
        for (int i = 2; i < rows.Count; i += 2)
        {
            Assert.False(rows[i].TryGetProperty("engine", out _), "our rows carry no engine field");
            Assert.StartsWith("onnxruntime 1.", rows[i + 1].GetProperty("engine").GetString());
            Assert.Equal(rows[i].GetProperty("shape").GetString(), rows[i + 1].GetProperty("shape").GetString());
            Assert.Equal(rows[i].GetProperty("kernel").GetString(), rows[i + 1].GetProperty("kernel").GetString());
            double gflops = rows[i + 1].GetProperty("gflops").GetDouble();
            Assert.True(double.IsFinite(gflops) && gflops > 0, $"ORT gflops {gflops}");
        }
    }

    private static void RequireOrt()
    {
        if (OrtConv.Unavailable() is not { } why) return;
        if (Environment.GetEnvironmentVariable("FACEPARSE_REQUIRE_ORT") == "1") Assert.Fail($"ONNX Runtime is required (FACEPARSE_REQUIRE_ORT=1): {why}.");
        Assert.Skip($"ONNX Runtime cross-check skipped: {why}.");
    }

    private static float[] Random(Random rng, long count)
    {
        var a = new float[count];
        for (long i = 0; i < count; i++) a[i] = (float)(rng.NextDouble() * 2 - 1);
        return a;
    }
}
