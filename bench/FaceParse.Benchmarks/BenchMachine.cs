using FaceParse.Tensors.Runtime;

namespace FaceParse.Benchmarks;

/// <summary>What every benchmark row says about the machine it ran on: the CPU's model name and the SIMD level the
/// kernels used, so figures from different machines are never compared unknowingly.</summary>
public static class BenchMachine
{
    private static readonly Lazy<string> Name = new(ReadCpuName);

    /// <summary>The CPU's model name (/proc/cpuinfo's "model name"; PROCESSOR_IDENTIFIER on Windows), or the process
    /// architecture where neither is available.</summary>
    public static string CpuName() => Name.Value;

    /// <summary>The SIMD level the kernels dispatch on now, e.g. "AVX-512 (Vector512 FMA)".</summary>
    public static string Simd => CpuFeatures.Describe(CpuFeatures.Active);

    private static string ReadCpuName()
    {
        try
        {
            string? line = File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal)) : null;
            if (line is not null) return line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        string? windows = Environment.GetEnvironmentVariable("PROCESSOR_IDENTIFIER");
        return string.IsNullOrWhiteSpace(windows) ? System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString() : windows.Trim();
    }
}
