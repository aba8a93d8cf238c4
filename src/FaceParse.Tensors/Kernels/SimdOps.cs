using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace FaceParse.Tensors.Kernels;

/// <summary>
/// The vector operations the kernels are written against. Each SIMD level is a struct implementing it, so a generic
/// kernel <c>K&lt;TOps, TVec&gt;</c> is compiled once per level with every call inlined (no virtual dispatch).
/// </summary>
/// <remarks>
/// <see cref="Rows"/> is the micro-kernel's register-tile height (MR); its width (NR) is two vectors.
/// Rows are chosen so that 2·MR accumulators + 2 B vectors + a broadcast fit the register file.
/// </remarks>
internal unsafe interface IVecOps<TVec> where TVec : struct
{
    static abstract int Width { get; }
    static abstract int Rows { get; }
    static abstract TVec Zero { get; }
    static abstract TVec Load(float* p);
    static abstract void Store(float* p, TVec v);
    static abstract TVec Broadcast(float v);
    /// <summary>a·b + c.</summary>
    static abstract TVec Fma(TVec a, TVec b, TVec c);
    static abstract TVec Add(TVec a, TVec b);
    static abstract TVec Mul(TVec a, TVec b);
    static abstract TVec Div(TVec a, TVec b);
    static abstract TVec Max(TVec a, TVec b);
    static abstract TVec Min(TVec a, TVec b);
    static abstract TVec Abs(TVec a);
    static abstract TVec Exp(TVec a);
    static abstract TVec CopySign(TVec magnitude, TVec sign);
}

internal unsafe struct Ops512 : IVecOps<Vector512<float>>
{
    public static int Width => 16;
    public static int Rows => 8;
    public static Vector512<float> Zero => Vector512<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Load(float* p) => Vector512.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(float* p, Vector512<float> v) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Broadcast(float v) => Vector512.Create(v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Fma(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Mul(Vector512<float> a, Vector512<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Div(Vector512<float> a, Vector512<float> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Max(Vector512<float> a, Vector512<float> b) => Vector512.MaxNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Min(Vector512<float> a, Vector512<float> b) => Vector512.MinNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Abs(Vector512<float> a) => Vector512.Abs(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Exp(Vector512<float> a) => Vector512.Exp(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> CopySign(Vector512<float> m, Vector512<float> s) => Vector512.CopySign(m, s);
}

internal unsafe struct Ops256 : IVecOps<Vector256<float>>
{
    public static int Width => 8;
    public static int Rows => 6;
    public static Vector256<float> Zero => Vector256<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(float* p) => Vector256.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(float* p, Vector256<float> v) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Broadcast(float v) => Vector256.Create(v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Fma(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Mul(Vector256<float> a, Vector256<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Div(Vector256<float> a, Vector256<float> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Max(Vector256<float> a, Vector256<float> b) => Vector256.MaxNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Min(Vector256<float> a, Vector256<float> b) => Vector256.MinNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Abs(Vector256<float> a) => Vector256.Abs(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Exp(Vector256<float> a) => Vector256.Exp(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> CopySign(Vector256<float> m, Vector256<float> s) => Vector256.CopySign(m, s);
}

internal unsafe struct Ops128 : IVecOps<Vector128<float>>
{
    public static int Width => 4;
    public static int Rows => 6;
    public static Vector128<float> Zero => Vector128<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Load(float* p) => Vector128.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(float* p, Vector128<float> v) => v.Store(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Broadcast(float v) => Vector128.Create(v);
    // Multiply then add (not fused): the 128-bit level stands for CPUs without FMA.
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Fma(Vector128<float> a, Vector128<float> b, Vector128<float> c) => a * b + c;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Mul(Vector128<float> a, Vector128<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Div(Vector128<float> a, Vector128<float> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Max(Vector128<float> a, Vector128<float> b) => Vector128.MaxNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Min(Vector128<float> a, Vector128<float> b) => Vector128.MinNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Abs(Vector128<float> a) => Vector128.Abs(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Exp(Vector128<float> a) => Vector128.Exp(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> CopySign(Vector128<float> m, Vector128<float> s) => Vector128.CopySign(m, s);
}

internal unsafe struct OpsScalar : IVecOps<float>
{
    public static int Width => 1;
    public static int Rows => 4;
    public static float Zero => 0f;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Load(float* p) => *p;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(float* p, float v) => *p = v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Broadcast(float v) => v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Fma(float a, float b, float c) => a * b + c;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Add(float a, float b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Mul(float a, float b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Div(float a, float b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Max(float a, float b) => a > b ? a : b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Min(float a, float b) => a < b ? a : b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Abs(float a) => MathF.Abs(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Exp(float a) => MathF.Exp(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float CopySign(float m, float s) => MathF.CopySign(m, s);
}

/// <summary>The fused activations on vectors (the fast counterparts of <see cref="Activations.Apply"/>).</summary>
internal static class VecActivation
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Apply<TOps, TVec>(TVec v, Epilogue e) where TOps : IVecOps<TVec> where TVec : struct => e switch
    {
        Epilogue.None => v,
        Epilogue.Relu => TOps.Max(v, TOps.Zero),
        _ => Smooth<TOps, TVec>(v, e),
    };

    private static TVec Smooth<TOps, TVec>(TVec v, Epilogue e) where TOps : IVecOps<TVec> where TVec : struct
    {
        TVec one = TOps.Broadcast(1f);
        switch (e)
        {
            case Epilogue.HardSwish:
                TVec r6 = TOps.Min(TOps.Max(TOps.Add(v, TOps.Broadcast(3f)), TOps.Zero), TOps.Broadcast(6f));
                return TOps.Mul(TOps.Mul(v, r6), TOps.Broadcast(1f / 6f));
            case Epilogue.Silu:
                return TOps.Div(v, TOps.Add(one, TOps.Exp(TOps.Mul(v, TOps.Broadcast(-1f)))));
            case Epilogue.Gelu:
                // erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), x·Φ(x) = 0.5·x·(1 + erf(x/√2)).
                TVec x = TOps.Mul(v, TOps.Broadcast(0.70710678f));
                TVec ax = TOps.Abs(x);
                TVec t = TOps.Div(one, TOps.Fma(ax, TOps.Broadcast(0.3275911f), one));
                TVec poly = TOps.Fma(TOps.Broadcast(1.061405429f), t, TOps.Broadcast(-1.453152027f));
                poly = TOps.Fma(poly, t, TOps.Broadcast(1.421413741f));
                poly = TOps.Fma(poly, t, TOps.Broadcast(-0.284496736f));
                poly = TOps.Fma(poly, t, TOps.Broadcast(0.254829592f));
                poly = TOps.Mul(poly, t);
                TVec erfAbs = TOps.Fma(TOps.Mul(poly, TOps.Exp(TOps.Mul(TOps.Mul(ax, ax), TOps.Broadcast(-1f)))), TOps.Broadcast(-1f), one);
                TVec erf = TOps.CopySign(erfAbs, x);
                return TOps.Mul(TOps.Mul(v, TOps.Broadcast(0.5f)), TOps.Add(one, erf));
            default:
                throw new ArgumentOutOfRangeException(nameof(e), e, "Unknown epilogue.");
        }
    }
}
