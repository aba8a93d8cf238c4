namespace FaceParse.Imaging.Geometry;

/// <summary>A 2×3 affine matrix mapping (x, y) to (A·x + B·y + C, D·x + E·y + F). Pixel centres are at integer coordinates (OpenCV convention).</summary>
public readonly record struct AffineTransform(double A, double B, double C, double D, double E, double F)
{
    public static AffineTransform Identity => new(1, 0, 0, 0, 1, 0);

    public static AffineTransform Translation(double dx, double dy) => new(1, 0, dx, 0, 1, dy);

    public static AffineTransform Scale(double sx, double sy) => new(sx, 0, 0, 0, sy, 0);

    /// <summary>Rotation by <paramref name="degrees"/> counter-clockwise as displayed (y down) about (cx, cy), with optional scale;
    /// the same matrix as OpenCV getRotationMatrix2D.</summary>
    public static AffineTransform Rotation(double degrees, double cx, double cy, double scale = 1)
    {
        double radians = degrees * Math.PI / 180;
        double alpha = scale * Math.Cos(radians), beta = scale * Math.Sin(radians);
        return new(alpha, beta, (1 - alpha) * cx - beta * cy, -beta, alpha, beta * cx + (1 - alpha) * cy);
    }

    public (double X, double Y) Apply(double x, double y) => (A * x + B * y + C, D * x + E * y + F);

    /// <summary>This transform followed by <paramref name="next"/>.</summary>
    public AffineTransform Then(AffineTransform next) => new(
        next.A * A + next.B * D, next.A * B + next.B * E, next.A * C + next.B * F + next.C,
        next.D * A + next.E * D, next.D * B + next.E * E, next.D * C + next.E * F + next.F);

    public AffineTransform Invert()
    {
        double det = A * E - B * D;
        if (Math.Abs(det) < 1e-12) throw new InvalidOperationException("The affine transform is singular.");
        return new(E / det, -B / det, (B * F - E * C) / det, -D / det, A / det, (D * C - A * F) / det);
    }

    /// <summary>Least-squares similarity (rotation, uniform scale, translation; no reflection) mapping <paramref name="from"/>
    /// points onto <paramref name="to"/> points, e.g. detected landmarks onto a face-alignment template.</summary>
    public static AffineTransform EstimateSimilarity(ReadOnlySpan<(double X, double Y)> from, ReadOnlySpan<(double X, double Y)> to)
    {
        if (from.Length != to.Length || from.Length < 2) throw new ArgumentException("Need at least two matching point pairs.");
        double fx = 0, fy = 0, tx = 0, ty = 0;
        for (int i = 0; i < from.Length; i++) (fx, fy, tx, ty) = (fx + from[i].X, fy + from[i].Y, tx + to[i].X, ty + to[i].Y);
        (fx, fy, tx, ty) = (fx / from.Length, fy / from.Length, tx / from.Length, ty / from.Length);
        double dot = 0, cross = 0, norm = 0;
        for (int i = 0; i < from.Length; i++)
        {
            double px = from[i].X - fx, py = from[i].Y - fy, qx = to[i].X - tx, qy = to[i].Y - ty;
            dot += px * qx + py * qy;
            cross += px * qy - py * qx;
            norm += px * px + py * py;
        }
        if (norm < 1e-12) throw new ArgumentException("Source points are all identical.");
        double a = dot / norm, b = cross / norm;
        return new(a, -b, tx - (a * fx - b * fy), b, a, ty - (b * fx + a * fy));
    }
}
