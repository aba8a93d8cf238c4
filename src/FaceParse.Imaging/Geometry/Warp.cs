namespace FaceParse.Imaging.Geometry;

/// <summary>How a warp samples the source.</summary>
public enum WarpInterpolation { Nearest, Bilinear }

/// <summary>Affine warps with a constant border (OpenCV warpAffine-like: integer pixel centres, BORDER_CONSTANT).</summary>
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
        if (source.Length < (long)width * height * channels || destination.Length < (long)newWidth * newHeight * channels)
            throw new ArgumentException("Buffer sizes do not match the image sizes.");
        var inverse = sourceToDestination.Invert();
        for (int y = 0; y < newHeight; y++)
            for (int x = 0; x < newWidth; x++)
            {
                var (sx, sy) = inverse.Apply(x, y);
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
