using FaceParse.Imaging;
using FaceParse.Imaging.Geometry;

namespace FaceParse.Tests.Detection;

/// <summary>Builds "in-the-wild" photos from face crops, never written to the repository: the crop scaled by 0.45–0.95,
/// rotated by ±25° about its centre and pasted at a random spot of a 1024×768 … 1600×900 canvas whose background is a
/// smooth colour gradient with noise; the mask goes through the same transform with nearest sampling and is background (0)
/// outside the pasted crop. Seeded: the same index gives the same photo.</summary>
public static class WildSet
{
    public static (Image Photo, byte[] Mask, int Width, int Height) Make(Image crop, byte[] mask, int seed)
    {
        var rng = new Random(seed);
        int width = rng.Next(1024, 1601), height = rng.Next(768, 901);
        double scale = 0.45 + 0.5 * rng.NextDouble(), angle = -25 + 50 * rng.NextDouble();
        // the rotated, scaled crop's bounding half-extent, so the face stays inside the canvas
        double half = crop.Width * scale * (Math.Abs(Math.Cos(angle * Math.PI / 180)) + Math.Abs(Math.Sin(angle * Math.PI / 180))) / 2;
        double cx = half + rng.NextDouble() * Math.Max(1, width - 2 * half), cy = half + rng.NextDouble() * Math.Max(1, height - 2 * half);
        var transform = AffineTransform.Rotation(angle, crop.Width / 2.0, crop.Height / 2.0, scale)
            .Then(AffineTransform.Translation(cx - crop.Width / 2.0, cy - crop.Height / 2.0));
        var photo = Background(width, height, rng);
        var warped = Warp.Affine(crop.ToChannels(3), transform, width, height, WarpInterpolation.Bilinear);
        var coverage = Warp.Labels(Enumerable.Repeat((byte)1, crop.Width * crop.Height).ToArray(), crop.Width, crop.Height, transform, width, height);
        for (int i = 0; i < coverage.Length; i++)
            if (coverage[i] == 1) (photo.Pixels[3 * i], photo.Pixels[3 * i + 1], photo.Pixels[3 * i + 2]) = (warped.Pixels[3 * i], warped.Pixels[3 * i + 1], warped.Pixels[3 * i + 2]);
        var labels = Warp.Labels(mask, crop.Width, crop.Height, transform, width, height);
        return (photo, labels, width, height);
    }

    private static Image Background(int width, int height, Random rng)
    {
        var image = new Image(width, height, 3);
        var c0 = new[] { rng.Next(256), rng.Next(256), rng.Next(256) };
        var c1 = new[] { rng.Next(256), rng.Next(256), rng.Next(256) };
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                double t = (x / (double)width + y / (double)height) / 2;
                for (int c = 0; c < 3; c++)
                    image.Pixels[(y * width + x) * 3 + c] = (byte)Math.Clamp(c0[c] + (c1[c] - c0[c]) * t + rng.Next(-12, 13), 0, 255);
            }
        return image;
    }
}
