using System.Diagnostics;

namespace FaceParse.Imaging.Tests;

/// <summary>Runs reference command-line tools (netpbm, djpeg) on bytes we wrote; skips when absent (fails with FACEPARSE_REQUIRE_DATA=1).</summary>
public static class ExternalTools
{
    /// <summary>Runs `tool args` with input on stdin and returns stdout; the tool must exit with 0.</summary>
    public static byte[] Run(string tool, string args, byte[] input)
    {
        string path = FaceParse.Benchmarks.Imaging.ExternalTool.Find(tool) ?? SkipOrFail(tool);
        var start = new ProcessStartInfo(path) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args.Split(' ', StringSplitOptions.RemoveEmptyEntries)) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        using var output = new MemoryStream();
        var copy = process.StandardOutput.BaseStream.CopyToAsync(output);
        process.StandardInput.BaseStream.Write(input);
        process.StandardInput.Close();
        copy.Wait();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{tool} failed: {stderr.Result}");
        return output.ToArray();
    }

    private static string SkipOrFail(string tool)
    {
        string message = $"{tool} is not on PATH; install netpbm and libjpeg-turbo-progs to cross-check against reference tools";
        if (SampleFiles.DataRequired) Assert.Fail(message + "; FACEPARSE_REQUIRE_DATA=1");
        Assert.Skip(message);
        return "";
    }
}
