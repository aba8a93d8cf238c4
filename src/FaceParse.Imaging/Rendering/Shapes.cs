namespace FaceParse.Imaging.Rendering;

/// <summary>Axis-aligned outlines and dots drawn in place on RGB(A) or gray images (clipped to the image), e.g. detector boxes.</summary>
public static class Shapes
{
    /// <summary>The outline of the box [x1, x2] × [y1, y2] (pixel coordinates, rounded), <paramref name="thickness"/> pixels
    /// wide inside the box.</summary>
    public static void Rectangle(Image image, float x1, float y1, float x2, float y2, (byte R, byte G, byte B) colour, int thickness = 2)
    {
        ArgumentNullException.ThrowIfNull(image);
        int left = (int)MathF.Round(x1), top = (int)MathF.Round(y1), right = (int)MathF.Round(x2), bottom = (int)MathF.Round(y2);
        for (int t = 0; t < thickness; t++)
        {
            Fill(image, left, top + t, right, top + t, colour);
            Fill(image, left, bottom - t, right, bottom - t, colour);
            Fill(image, left + t, top, left + t, bottom, colour);
            Fill(image, right - t, top, right - t, bottom, colour);
        }
    }

    /// <summary>A filled square of side 2·<paramref name="radius"/> + 1 centred on (x, y).</summary>
    public static void Dot(Image image, float x, float y, (byte R, byte G, byte B) colour, int radius = 2)
    {
        ArgumentNullException.ThrowIfNull(image);
        int cx = (int)MathF.Round(x), cy = (int)MathF.Round(y);
        Fill(image, cx - radius, cy - radius, cx + radius, cy + radius, colour);
    }

    // fills the inclusive rectangle [x0, x1] × [y0, y1] ∩ image
    private static void Fill(Image image, int x0, int y0, int x1, int y1, (byte R, byte G, byte B) colour)
    {
        x0 = Math.Max(x0, 0);
        y0 = Math.Max(y0, 0);
        x1 = Math.Min(x1, image.Width - 1);
        y1 = Math.Min(y1, image.Height - 1);
        int ch = image.Channels;
        byte gray = (byte)((77 * colour.R + 150 * colour.G + 29 * colour.B + 128) >> 8);
        for (int y = y0; y <= y1; y++)
        {
            var row = image.Row(y);
            for (int x = x0; x <= x1; x++)
            {
                var p = row.Slice(x * ch, ch);
                if (ch >= 3) (p[0], p[1], p[2]) = (colour.R, colour.G, colour.B);
                else p[0] = gray;
            }
        }
    }
}
