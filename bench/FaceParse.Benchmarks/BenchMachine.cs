using FaceParse.Tensors.Runtime;

namespace FaceParse.Benchmarks;

/// <summary>What every benchmark row says about the machine it ran on: the CPU's model name and the SIMD level the
/// kernels used, so figures from different machines are never compared unknowingly.</summary>
public static class BenchMachine
{
    /// <summary>The CPU's model name (<see cref="CpuFeatures.ModelName"/>).</summary>
    public static string CpuName() => CpuFeatures.ModelName;

    /// <summary>The SIMD level the kernels dispatch on now, e.g. "AVX-512 (Vector512 FMA)".</summary>
    public static string Simd => CpuFeatures.Describe(CpuFeatures.Active);

    /// <summary>The GEMM blocking in use and where it came from, e.g. "256x16x2048, default (no tuning file)".</summary>
    public static string GemmBlocking
    {
        get
        {
            var b = Tensors.Kernels.GemmBlocking.Current;
            return $"{b.KBlock}x{b.MBlockTiles}x{b.NBlock}, {Tensors.Kernels.GemmBlocking.Source}";
        }
    }
}
