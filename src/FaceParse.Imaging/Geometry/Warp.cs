namespace FaceParse.Imaging.Geometry;

/// <summary>How a warp samples the source.</summary>
public enum WarpInterpolation { Nearest, Bilinear }

/// <summary>Affine and mapped warps with a constant border (OpenCV warpAffine-like: integer pixel centres, BORDER_CONSTANT).</summary>
public static class Warp
{
    /// <summary>Warps <paramref name="source"/> by the forward transform <paramref name="sourceToDestination"/> into a width×height image.</summary>
    /// <remarks>Each output pixel samples the source at the inverse-mapped position. Nearest rounds to the closest pixel (so
    /// 90° rotations and integer shifts are exact); bilinear blends the 4 neighbours, treating outside neighbours as
    /// <paramref name="fill"/>; results are rounded to nearest.</remarks>
    public static Image Affine(Image source, AffineTransform sourceToDestination, int width, int height, WarpInterpolation interpolation, byte fill = 0)
    {
        var result = new Image(width, height, source.Channels);
        Affine(source.Pixels, source.Width, source.Height, source.Channels, sourceToDestination, interpolation, fill, width, height, result.Pixels);
        return result;
    }

    /// <summary>Warps a label map with nearest sampling (ids are never blended); outside pixels get <paramref name="fill"/> (e.g. the ignore id).</summary>
    public static byte[] Labels(ReadOnlySpan<byte> labels, int width, int height, AffineTransform sourceToDestination, int newWidth, int newHeight, byte fill = 0)
    {
        var result = new byte[newWidth * newHeight];
        Affine(labels, width, height, 1, sourceToDestination, WarpInterpolation.Nearest, fill, newWidth, newHeight, result);
        return result;
    }

    // source[h·w·channels], forward transform → destination[newH·newW·channels] sampled at inverse-mapped positions
    public static void Affine(ReadOnlySpan<byte> source, int width, int height, int channels, AffineTransform sourceToDestination,
        WarpInterpolation interpolation, byte fill, int newWidth, int newHeight, Span<byte> destination)
    {
        var inverse = sourceToDestination.Invert();
        Map(source, width, height, channels, (x, y) => inverse.Apply(x, y), interpolation, fill, newWidth, newHeight, destination);
    }

    /// <summary>Warps <paramref name="source"/> by an arbitrary inverse map: output pixel (x, y) samples the source at
    /// <paramref name="destinationToSource"/>(x, y) (pixel coordinates, integer centres) — e.g. a non-linear face warp.</summary>
    public static Image Map(Image source, int width, int height, Func<int, int, (double X, double Y)> destinationToSource, WarpInterpolation interpolation, byte fill = 0)
    {
        ArgumentNullException.ThrowIfNull(source);
        var result = new Image(width, height, source.Channels);
        Map(source.Pixels, source.Width, source.Height, source.Channels, destinationToSource, interpolation, fill, width, height, result.Pixels);
        return result;
    }

    // source[h·w·channels], inverse map (x, y) → (sx, sy) → destination[newH·newW·channels]
    public static void Map(ReadOnlySpan<byte> source, int width, int height, int channels, Func<int, int, (double X, double Y)> destinationToSource,
        WarpInterpolation interpolation, byte fill, int newWidth, int newHeight, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(destinationToSource);
        if (source.Length < (long)width * height * channels || destination.Length < (long)newWidth * newHeight * channels)
            throw new ArgumentException("Buffer sizes do not match the image sizes.");
        for (int y = 0; y < newHeight; y++)
            for (int x = 0; x < newWidth; x++)
            {
                var (sx, sy) = destinationToSource(x, y);
                var pixel = destination.Slice((y * newWidth + x) * channels, channels);
                if (interpolation == WarpInterpolation.Nearest) SampleNearest(source, width, height, channels, sx, sy, fill, pixel);
                else SampleBilinear(source, width, height, channels, sx, sy, fill, pixel);
            }
    }

    // source pixel nearest to (sx, sy), or fill when outside → pixel[channels]
    private static void SampleNearest(ReadOnlySpan<byte> source, int width, int height, int channels, double sx, double sy, byte fill, Span<byte> pixel)
    {
        double rx = Math.Floor(sx + 0.5), ry = Math.Floor(sy + 0.5);
        if (rx < 0 || ry < 0 || rx >= width || ry >= height)
        {
            pixel.Fill(fill);
            return;
        }
        source.Slice(((int)ry * width + (int)rx) * channels, channels).CopyTo(pixel);
    }

    // 4 neighbours of (sx, sy) (outside ones = fill), bilinear weights → pixel[channels]
    private static void SampleBilinear(ReadOnlySpan<byte> source, int width, int height, int channels, double sx, double sy, byte fill, Span<byte> pixel)
    {
        if (sx <= -1 || sy <= -1 || sx >= width || sy >= height)
        {
            pixel.Fill(fill);
            return;
        }
        int x0 = (int)Math.Floor(sx), y0 = (int)Math.Floor(sy);
        double fx = sx - x0, fy = sy - y0;
        for (int c = 0; c < channels; c++)
        {
            double top = Lerp(At(source, width, height, channels, x0, y0, c, fill), At(source, width, height, channels, x0 + 1, y0, c, fill), fx);
            double bottom = Lerp(At(source, width, height, channels, x0, y0 + 1, c, fill), At(source, width, height, channels, x0 + 1, y0 + 1, c, fill), fx);
            pixel[c] = (byte)Math.Clamp(Math.Round(Lerp(top, bottom, fy), MidpointRounding.AwayFromZero), 0, 255);
        }
    }

    private static double Lerp(double a, double b, double t) => a + (b - a) * t;

    private static byte At(ReadOnlySpan<byte> source, int width, int height, int channels, int x, int y, int c, byte fill) =>
        x < 0 || y < 0 || x >= width || y >= height ? fill : source[(y * width + x) * channels + c];
}

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
