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
    public static float Gelu(float v) => (float)(0.5 * v * (1 + Erf(v / Math.Sqrt(2))));

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
