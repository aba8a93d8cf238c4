using System.Text.Json;

namespace FaceParse.Cli.Tests;

[Collection("cli")]
public sealed class InfoCommandTests
{
    [Fact]
    public void InfoJsonReportsSimdAndThreads()
    {
        var (exit, stdout, stderr) = CliHarness.Run("info", "--json", "--threads", "1");
        Assert.True(exit == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal(1, doc.RootElement.GetProperty("threads").GetInt32());
        Assert.Equal(Environment.ProcessorCount, doc.RootElement.GetProperty("cores").GetInt32());
        Assert.Equal(FaceParse.Tensors.Runtime.CpuFeatures.Describe(FaceParse.Tensors.Runtime.CpuFeatures.Detected), doc.RootElement.GetProperty("simd").GetString());
        Assert.Matches(@"^\d+\.\d+\.\d+", doc.RootElement.GetProperty("version").GetString());
    }

    [Fact]
    public void ZeroThreadsIsAClearError()
    {
        var (exit, _, stderr) = CliHarness.Run("info", "--threads", "0");
        Assert.Equal(1, exit);
        Assert.Contains("at least 1", stderr);
    }
}
