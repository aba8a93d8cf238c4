using System.Diagnostics;
using FaceParse.Imaging;
using FaceParse.Tests.Inference;

namespace FaceParse.Cli.Tests;

/// <summary>A small file claiming a huge frame, or a huge --out-size, cannot take a `segment` batch down (issue 13, item 1):
/// it is refused per file against the memory budget and the batch goes on; labels at a large size fit a small heap.</summary>
[Collection("cli")]
public sealed class SegmentMemoryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("faceparse-segment-memory-").FullName;
    private readonly string _model;

    public SegmentMemoryTests() => _model = TinyModels.Save(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A 3 KB-ish baseline JPEG whose frame header says 10000×10000 (the scan holds almost nothing).</summary>
    private static byte[] HugeClaimJpeg()
    {
        byte[] small = FaceParse.Imaging.Jpeg.JpegEncoder.Encode(TinyModels.Photo(16, 16), 90, FaceParse.Imaging.Jpeg.JpegSubsampling.S420);
        int sof = small.AsSpan().IndexOf([(byte)0xFF, (byte)0xC0]);
        small[sof + 5] = 10000 >> 8;
        small[sof + 6] = 10000 & 0xFF;
        small[sof + 7] = 10000 >> 8;
        small[sof + 8] = 10000 & 0xFF;
        return small;
    }

    [Fact]
    public void AnImageOverTheBudgetIsSkippedAndTheBatchGoesOn()
    {
        string photos = Directory.CreateDirectory(Path.Combine(_dir, "photos")).FullName;
        File.WriteAllBytes(Path.Combine(photos, "a-huge.jpg"), HugeClaimJpeg());
        ImageCodec.Save(Path.Combine(photos, "b.png"), TinyModels.Photo(24, 20));
        string output = Path.Combine(_dir, "out");
        var (exit, stdout, stderr) = CliHarness.Run("segment", photos, "-o", output, "--model", _model, "--memory-budget", "256M");
        Assert.Equal(1, exit);
        Assert.Contains("a-huge.jpg", stderr);
        Assert.Contains("memory budget of 256 MiB", stderr);
        Assert.Contains("segmented 1 of 2", stdout);
        Assert.True(File.Exists(Path.Combine(output, "b.labels.png")));

        (exit, stdout, stderr) = CliHarness.Run("segment", Path.Combine(photos, "b.png"), "-o", output, "--model", _model,
            "--memory-budget", "128M", "--out-size", "16384");
        Assert.Equal(1, exit);
        Assert.Contains("16384x16384", stderr);
        Assert.Equal(1, CliHarness.Run("segment", Path.Combine(photos, "b.png"), "-o", output, "--model", _model, "--memory-budget", "lots").Exit);
    }

    /// <summary>The case in small: labels and overlay at 2048² (a K×H×W float tensor alone would be 185 MB for the
    /// 11-class model) in a process whose GC heap is capped at 160 MiB.</summary>
    [Fact(Timeout = 300_000)]
    public async Task LargeLabelMapsFitASmallHeap()
    {
        string photo = Path.Combine(_dir, "p.png");
        ImageCodec.Save(photo, TinyModels.Photo(150, 103));
        string output = Path.Combine(_dir, "big");
        string cli = Path.Combine(AppContext.BaseDirectory, "FaceParse.Cli.dll");
        string host = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
        var start = new ProcessStartInfo(host) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string a in new[] { cli, "segment", photo, "-o", output, "--model", _model, "--out-size", "2048", "--threads", "2", "--memory-budget", "150M" }) start.ArgumentList.Add(a);
        start.Environment["DOTNET_GCHeapHardLimit"] = "0xA000000"; // 160 MiB
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {await stderr}{await stdout}");
        var labels = ImageCodec.Load(Path.Combine(output, "p.labels.png"));
        Assert.Equal((2048, 2048), (labels.Image.Width, labels.Image.Height));
    }
}
