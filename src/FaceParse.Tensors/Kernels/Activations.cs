namespace FaceParse.Tensors.Kernels;

/// <summary>Scalar definitions of the fused activations (the reference the vector epilogues must match).</summary>
public static class Activations
{
    public static float Apply(Epilogue epilogue, float v) => epilogue switch
    {
        Epilogue.None => v,
        Epilogue.Relu => v > 0 ? v : 0,
        Epilogue.Gelu => Gelu(v),
        Epilogue.Silu => v / (1 + MathF.Exp(-v)),
        Epilogue.HardSwish => v * Math.Clamp(v + 3, 0, 6) / 6,
        _ => throw new ArgumentOutOfRangeException(nameof(epilogue), epilogue, "Unknown epilogue."),
    };

    /// <summary>Exact GELU, x·Φ(x) = 0.5·x·(1 + erf(x/√2)) (torch.nn.functional.gelu, approximate='none').</summary>
    public static float Gelu(float v) => (float)(v * NormalCdf(v));

    /// <summary>Φ(x), the standard normal CDF, to better than 5e-8 relative (below float's 6e-8) over the whole range, tails
    /// included, in a dozen multiply-adds (the worst case is just left of x = −2.83, where 0.5 + 0.5·erf cancels):
    /// |x/√2| ≤ 2 as erf(z) = z·P(z²), beyond as erfc(u) = exp(−u²)·Q(1/u). P (degree 11) and Q (degree 10) are
    /// weighted least-squares fits to Python's math.erf/erfc at 400 Chebyshev nodes (relative error 5e-11 and 1e-10 in double).
    /// <see cref="Erf"/>'s series is the reference it is tested against; GELU spent ~17 ns per element in that series (SegFace's
    /// upscaling: 148 of 530 ms at 512).</summary>
    public static double NormalCdf(double x)
    {
        const double InvSqrt2 = 0.70710678118654752440;
        double z = x * InvSqrt2, a = Math.Abs(z);
        if (a <= 2)
        {
            double s = z * z;
            double p = -2.052455733519171e-10;
            p = p * s + 7.116792324610083e-09; p = p * s - 1.2441903286309378e-07; p = p * s + 1.5090922657685287e-06;
            p = p * s - 1.4595764352116106e-05; p = p * s + 0.00012001013017932309; p = p * s - 0.0008542331789060971;
            p = p * s + 0.005223552063044554; p = p * s - 0.026865990063745508; p = p * s + 0.11283787658657075;
            p = p * s - 0.3761263854864166; p = p * s + 1.1283791670426433;
            return 0.5 + 0.5 * z * p;
        }
        if (a >= 9) return z > 0 ? 1 : 0; // erfc(9) ≈ 4e-37: below float's range
        double v = 1 / a;
        double q = 0.5828740818487061;
        q = q * v - 1.7807368516206648; q = q * v + 2.1228720807736585; q = q * v - 0.9482142959454195;
        q = q * v - 0.36709789518540414; q = q * v + 0.5744610034028788; q = q * v - 0.03411396716958199;
        q = q * v - 0.2773203724696054; q = q * v - 0.0004138619162220179; q = q * v + 0.5642099815844814;
        q = q * v - 4.3740175351996525e-07;
        double erfc = Math.Exp(-a * a) * q;
        return z > 0 ? 1 - 0.5 * erfc : 0.5 * erfc;
    }

    /// <summary>erf to ~1e-15 relative (W. J. Cody's rational approximations are overkill here; this is a series/continued fraction pair).</summary>
    public static double Erf(double x)
    {
        double ax = Math.Abs(x);
        double r;
        if (ax < 2.5)
        {
            // Maclaurin series: erf(x) = 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1))
            double term = ax, sum = ax, x2 = ax * ax;
            for (int n = 1; n < 60; n++)
            {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.Abs(add) < 1e-17 * Math.Abs(sum)) break;
            }
            r = 2 / Math.Sqrt(Math.PI) * sum;
        }
        else if (ax < 6)
        {
            // Continued fraction for erfc (Lentz), converges quickly for x >= 2.5.
            double x2 = ax * ax, f = ax, c = ax, d = 0;
            for (int n = 1; n < 200; n++)
            {
                double an = n / 2.0;
                d = ax + an * d; d = 1 / d;
                c = ax + an / c;
                double delta = c * d;
                f *= delta;
                if (Math.Abs(delta - 1) < 1e-16) break;
            }
            r = 1 - Math.Exp(-x2) / Math.Sqrt(Math.PI) / f;
        }
        else r = 1;
        return x < 0 ? -r : r;
    }
}
