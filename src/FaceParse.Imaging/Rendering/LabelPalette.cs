namespace FaceParse.Imaging.Rendering;

/// <summary>Colour tables for label maps: RGB triples, entry i = colour of class id i.</summary>
public static class LabelPalette
{
    /// <summary>The PASCAL VOC colour map (bits of the class id spread over the top bits of R, G and B); 0 is black.</summary>
    public static byte[] Voc(int count = 256)
    {
        if (count is < 1 or > 256) throw new ArgumentOutOfRangeException(nameof(count), "A palette has 1..256 entries.");
        var palette = new byte[3 * count];
        for (int id = 0; id < count; id++)
        {
            int r = 0, g = 0, b = 0;
            for (int bit = 0, c = id; bit < 8; bit++, c >>= 3)
            {
                r |= ((c >> 0) & 1) << (7 - bit);
                g |= ((c >> 1) & 1) << (7 - bit);
                b |= ((c >> 2) & 1) << (7 - bit);
            }
            (palette[3 * id], palette[3 * id + 1], palette[3 * id + 2]) = ((byte)r, (byte)g, (byte)b);
        }
        return palette;
    }

    /// <summary>A palette image of a label map with this palette (for writing label PNGs whose index is the class id).</summary>
    public static PaletteImage ToPaletteImage(byte[] labels, int width, int height, byte[]? palette = null)
    {
        palette ??= Voc(Math.Max(1, labels.Length == 0 ? 1 : labels.Max() + 1));
        return new PaletteImage(width, height, labels, palette);
    }
}
