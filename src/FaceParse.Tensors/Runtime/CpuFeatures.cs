using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FaceParse.Tensors.Runtime;

/// <summary>The widest SIMD path the kernels may use, chosen once at start-up.</summary>
public enum SimdLevel
{
    Scalar,
    Vector128,
    Avx2Fma,
    Avx512,
}

/// <summary>What the CPU supports, and the level the kernels dispatch on (overridable for tests).</summary>
public static class CpuFeatures
{
    /// <summary>The best level this CPU and runtime support.</summary>
    public static SimdLevel Detected { get; } = Detect();

    private static SimdLevel _active = Detected;

    /// <summary>The level kernels use; set lower to force a fallback path (tests and benchmarks).</summary>
    public static SimdLevel Active
    {
        get => _active;
        set => _active = value <= Detected ? value : throw new ArgumentException($"SIMD level {value} is not supported on this CPU (detected {Detected}).", nameof(value));
    }

    private static SimdLevel Detect()
    {
        if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported) return SimdLevel.Avx512;
        if (Avx2.IsSupported && Fma.IsSupported) return SimdLevel.Avx2Fma;
        if (Vector128.IsHardwareAccelerated) return SimdLevel.Vector128;
        return SimdLevel.Scalar;
    }

    /// <summary>The CPU's model name (/proc/cpuinfo's "model name"; PROCESSOR_IDENTIFIER on Windows), or the process
    /// architecture where neither is available.</summary>
    public static string ModelName { get; } = ReadModelName();

    private static string ReadModelName()
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

    /// <summary>A one-line description such as "AVX-512 (Vector512, FMA)".</summary>
    public static string Describe(SimdLevel level) => level switch
    {
        SimdLevel.Avx512 => "AVX-512 (Vector512 FMA)",
        SimdLevel.Avx2Fma => "AVX2 + FMA (Vector256)",
        SimdLevel.Vector128 => "128-bit SIMD (Vector128)",
        _ => "scalar",
    };
}
