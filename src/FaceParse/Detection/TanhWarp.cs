namespace FaceParse.Detection;

/// <summary>facer's / FaRL's "tanh warp" of the aligned face frame, as SegFace's LaPa variant uses it: in normalised
/// coordinates of the aligned frame (the face template's frame, [-1, 1] across it), the central band |c| ≤ 1 − f is kept
/// and everything beyond is compressed into the remaining margin, so the whole photo fits the network input while the face
/// keeps its resolution. Separable: x and y are warped independently.</summary>
/// <remarks>
/// <para>Forward (aligned frame → warped input): c ↦ c for |c| ≤ 1 − f, else sign(c)·(tanh((|c| − 1 + f)/f)·f + 1 − f),
/// which is continuous with slope 1 at the knee and tends to ±1. Inverse (warped input → aligned frame):
/// c ↦ sign(c)·(artanh(min((|c| − 1 + f)/f, 1 − 0.001))·f + 1 − f) beyond the band. f = 0 is the identity (a plain
/// similarity warp).</para>
/// <para>Use: to build the network input, sample the aligned frame at Inverse(u) for every input pixel centre u (grid_sample
/// convention); to bring logits back, sample the network output at Forward(c) for every photo pixel's aligned coordinate c.</para>
/// </remarks>
public sealed record TanhWarp
{
    /// <summary>The clamp of artanh's argument (facer: 1 − 0.001).</summary>
    public const double InverseLimit = 1 - 0.001;

    public TanhWarp(double factor = 0.8)
    {
        if (!(factor >= 0 && factor <= 1)) throw new ArgumentOutOfRangeException(nameof(factor), $"Warp factor must be in [0, 1], got {factor}.");
        Factor = factor;
    }

    /// <summary>Warp factor f (0.8 in facer and SegFace).</summary>
    public double Factor { get; }

    /// <summary>Aligned-frame coordinate → warped coordinate (in (−1, 1) whenever f &gt; 0).</summary>
    public double Forward(double c)
    {
        double f = Factor, knee = 1 - f, a = Math.Abs(c);
        if (f == 0 || a <= knee) return c;
        return Math.Sign(c) * (Math.Tanh((a - knee) / f) * f + knee);
    }

    /// <summary>Warped coordinate → aligned-frame coordinate (the inverse of <see cref="Forward"/>; beyond the clamp it
    /// saturates at artanh(0.999)·f + 1 − f).</summary>
    public double Inverse(double c)
    {
        double f = Factor, knee = 1 - f, a = Math.Abs(c);
        if (f == 0 || a <= knee) return c;
        return Math.Sign(c) * (Math.Atanh(Math.Min((a - knee) / f, InverseLimit)) * f + knee);
    }

    /// <summary>The half-extent of the aligned frame, in its normalised coordinates, that a network input covers: the
    /// input's edge (±1) brought back, 1 without a warp, artanh(0.999)·f + 1 − f ≈ 3.24 at f = 0.8.</summary>
    public double Reach => Inverse(1);

    /// <summary>A size×size aligned-frame pixel coordinate (integer centres) → the network input's grid_sample coordinate
    /// (align_corners=False, [-1, 1] across the input); the identity map (2a + 1)/size − 1 when f = 0.</summary>
    public double ToInputGrid(double aligned, int size) => Forward((2 * aligned + 1) / size - 1);

    /// <summary>Input pixel <paramref name="index"/> of a size-pixel side → the aligned-frame pixel coordinate it shows
    /// (facer's make_tanh_warp_grid along one axis); the index itself when f = 0.</summary>
    public double AlignedOfInputPixel(int index, int size) => (Inverse((2.0 * index + 1) / size - 1) + 1) * size / 2 - 0.5;

    /// <summary><see cref="Forward"/> of a point (x and y independently).</summary>
    public (double X, double Y) Forward((double X, double Y) p) => (Forward(p.X), Forward(p.Y));

    /// <summary><see cref="Inverse"/> of a point (x and y independently).</summary>
    public (double X, double Y) Inverse((double X, double Y) p) => (Inverse(p.X), Inverse(p.Y));
}
