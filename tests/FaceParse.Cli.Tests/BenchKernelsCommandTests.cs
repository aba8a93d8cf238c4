using System.Text.Json;

namespace FaceParse.Cli.Tests;

[Collection("cli")]
public sealed class BenchKernelsCommandTests
{
    [Fact]
    public void QuickJsonRowsHaveTheSchemaAndPositiveFiniteNumbers()
    {
        var (exit, stdout, stderr) = CliHarness.Run("bench", "kernels", "--json", "--quick", "--threads", "1");
        Assert.True(exit == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var rows = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(6, rows.Count);
        Assert.Equal(["gemm", "conv3x3", "depthwise3x3"], rows.Select(r => r.GetProperty("kernel").GetString()).Distinct());
        foreach (var row in rows)
        {
            Assert.Equal(["kernel", "shape", "threads", "gflops", "fraction_of_peak", "real_gflops", "cpu", "simd", "gemm_blocking"], row.EnumerateObject().Select(p => p.Name));
            Assert.False(string.IsNullOrWhiteSpace(row.GetProperty("cpu").GetString()));
            Assert.Matches(@"^(\d+x\d+x\d+|\d+->\d+@\d+x\d+)$", row.GetProperty("shape").GetString());
            Assert.Equal(1, row.GetProperty("threads").GetInt32());
            foreach (string name in new[] { "gflops", "fraction_of_peak", "real_gflops" })
            {
                double v = row.GetProperty(name).GetDouble();
                Assert.True(double.IsFinite(v) && v > 0, $"{name} = {v}");
            }
        }
    }

    [Fact]
    public void TuneStoresAChoiceTheKernelsAcceptForThisCpu()
    {
        string path = Path.Combine(Path.GetTempPath(), $"faceparse-tune-{Guid.NewGuid():N}.json");
        try
        {
            var (exit, stdout, stderr) = CliHarness.Run("bench", "tune", "--quick", "--json", "--out", path);
            Assert.True(exit == 0, stderr);
            var root = JsonDocument.Parse(stdout).RootElement;
            Assert.Equal(path, root.GetProperty("written_to").GetString());
            Assert.Equal(4, root.GetProperty("final").GetArrayLength()); // three best of the four quick candidates, plus the default
            string chosen = root.GetProperty("chosen").GetString()!;
            var stored = FaceParse.Tensors.Kernels.GemmBlocking.Read(path, out string reason);
            Assert.True(stored is not null, reason);
            Assert.Equal(chosen, $"{stored.Value.KBlock}x{stored.Value.MBlockTiles}x{stored.Value.NBlock}");
            double best = root.GetProperty("final").EnumerateArray().Max(f => f.GetProperty("gflops").GetDouble());
            Assert.True(chosen == root.GetProperty("default").GetString() || root.GetProperty("chosen_gflops").GetDouble() == best, stdout);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
