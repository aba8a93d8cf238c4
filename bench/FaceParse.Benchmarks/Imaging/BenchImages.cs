using FaceParse.Imaging;

namespace FaceParse.Benchmarks.Imaging;

/// <summary>Deterministic synthetic inputs for the imaging benchmark (the same bytes on every machine and run).</summary>
public static class BenchImages
{
    /// <summary>A photo-like RGB image: smooth colour waves (sky, skin), a disc of fine stripes (hair) and low-amplitude
    /// hashed noise (sensor grain), so both the DC-only and the detailed paths of a JPEG decoder are exercised.</summary>
    public static Image Photo(int width, int height)
    {
        var image = new Image(width, height, 3);
        double cx = width * 0.55, cy = height * 0.45, r2 = Math.Pow(Math.Min(width, height) * 0.28, 2);
        for (int y = 0; y < height; y++)
        {
            double v = (double)y / height;
            var row = image.Row(y);
            for (int x = 0; x < width; x++)
            {
                double u = (double)x / width;
                double red = 128 + 90 * Math.Sin(2 * Math.PI * (1.3 * u + 0.4 * v));
                double green = 128 + 80 * Math.Cos(2 * Math.PI * (1.1 * v - 0.5 * u));
                double blue = 128 + 70 * Math.Sin(2 * Math.PI * 0.8 * (u + v) + 1);
                double dx = x - cx, dy = y - cy;
                double detail = dx * dx + dy * dy < r2 ? 35 * Math.Sin(0.9 * x + 0.3 * y) : 0;
                int grain = (int)(Hash(x, y) % 17) - 8;
                row[3 * x] = Clamp(red + detail + grain);
                row[3 * x + 1] = Clamp(green + 0.8 * detail + grain);
                row[3 * x + 2] = Clamp(blue + 0.6 * detail + grain);
            }
        }
        return image;
    }

    /// <summary>A label-map-like palette image: <paramref name="classes"/> blob-shaped regions with ragged edges.</summary>
    public static PaletteImage Labels(int width, int height, int classes = 19)
    {
        var indices = new byte[width * height];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int wobble = (int)(Hash(x / 4, y / 4) % 9);
                int ring = (int)Math.Sqrt(Math.Pow(x - width / 2.0, 2) + Math.Pow(y - height / 2.0, 2)) / 24;
                indices[y * width + x] = (byte)((ring + (x + wobble) / 64 + y / 96) % classes);
            }
        var palette = new byte[classes * 3];
        for (int i = 0; i < palette.Length; i++) palette[i] = (byte)(Hash(i, 7) & 0xFF);
        return new PaletteImage(width, height, indices, palette);
    }

    private static byte Clamp(double value) => (byte)Math.Clamp((int)Math.Round(value), 0, 255);

    private static uint Hash(int x, int y)
    {
        uint h = (uint)x * 0x9E3779B1u ^ (uint)y * 0x85EBCA77u;
        h ^= h >> 15;
        h *= 0x2C1B3C6Du;
        return h ^ (h >> 12);
    }
}
