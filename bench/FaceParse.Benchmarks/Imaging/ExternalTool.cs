using System.Diagnostics;

namespace FaceParse.Benchmarks.Imaging;

/// <summary>Reference command-line tools (djpeg, cjpeg, netpbm): finding them on PATH and running them.</summary>
public static class ExternalTool
{
    /// <summary>Full path of an executable found on PATH, or null.</summary>
    public static string? Find(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, tool)).FirstOrDefault(File.Exists);

    /// <summary>Runs the tool to completion with stdout/stderr discarded; throws when it fails.</summary>
    /// <returns>Wall-clock seconds from start to exit (process start-up included).</returns>
    public static double RunTimed(string path, params string[] args)
    {
        var start = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args) start.ArgumentList.Add(arg);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {path}");
        var stdout = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        double seconds = clock.Elapsed.TotalSeconds;
        stdout.Wait();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(path)} {string.Join(' ', args)} failed ({process.ExitCode}): {stderr.Result.Trim()}");
        return seconds;
    }
}
