using System.Text.Json;
using FaceParse.Tests.Onnx;

namespace FaceParse.Cli.Tests;

/// <summary>`bench kernels --compare-ort`: ONNX Runtime's Conv (in-process) timed beside ours on the same shapes. The numeric
/// cross-check of our convolution against ORT's lives with the other operators in FaceParse.Tests (OnnxOpConformanceTests).</summary>
[Collection("cli")]
public sealed class OrtConvTests
{
    [Fact]
    public void BenchKernelsCompareOrtAddsAnOrtRowAfterEachConvolution()
    {
        Ort.Require();
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
}
