using System.Runtime.Intrinsics;
using FaceParse.Tensors.Runtime;

namespace FaceParse.Tensors.Kernels;

/// <summary>A kernel call generic over the SIMD level: a struct holding the arguments, whose <see cref="Run{TOps, TVec}"/>
/// calls the kernel instantiated for one level.</summary>
internal interface IVecKernel
{
    void Run<TOps, TVec>() where TOps : IVecOps<TVec> where TVec : struct;
}

/// <summary>The one place that maps <see cref="CpuFeatures.Active"/> to a kernel instantiation.</summary>
internal static class SimdDispatch
{
    public static void Run<TKernel>(in TKernel kernel) where TKernel : struct, IVecKernel
    {
        switch (CpuFeatures.Active)
        {
            case SimdLevel.Avx512: kernel.Run<Ops512, Vector512<float>>(); break;
            case SimdLevel.Avx2Fma: kernel.Run<Ops256, Vector256<float>>(); break;
            case SimdLevel.Vector128: kernel.Run<Ops128, Vector128<float>>(); break;
            default: kernel.Run<OpsScalar, float>(); break;
        }
    }
}
