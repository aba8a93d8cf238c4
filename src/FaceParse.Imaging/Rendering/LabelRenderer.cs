namespace FaceParse.Imaging.Rendering;

/// <summary>Turns label maps (one class id per byte) into pictures: colourised maps, overlays on photos, per-class masks with soft edges.</summary>
public static class LabelRenderer
{
    /// <summary>RGB image where each pixel is the palette colour of its class id (ids beyond the palette are black).</summary>
    public static Image Colorize(ReadOnlySpan<byte> labels, int width, int height, ReadOnlySpan<byte> paletteRgb)
    {
        CheckLabels(labels, width, height);
        var image = new Image(width, height, 3);
        Colorize(labels[..(width * height)], paletteRgb, image.Pixels);
        return image;
    }

    // labels[n], palette[entries·3] → destination[n·3] RGB
    public static void Colorize(ReadOnlySpan<byte> labels, ReadOnlySpan<byte> paletteRgb, Span<byte> destination)
    {
        int entries = paletteRgb.Length / 3;
        for (int i = 0; i < labels.Length; i++)
        {
            var target = destination.Slice(3 * i, 3);
            if (labels[i] < entries) paletteRgb.Slice(3 * labels[i], 3).CopyTo(target);
            else target.Clear();
        }
    }

    /// <summary>The photo with each labelled pixel blended towards its class colour: out = (1 − alpha)·photo + alpha·colour, rounded.</summary>
    /// <param name="transparentClass">A class left untouched (typically background 0); null blends every class.</param>
    public static Image Overlay(Image photo, ReadOnlySpan<byte> labels, ReadOnlySpan<byte> paletteRgb, float alpha = 0.5f, int? transparentClass = 0)
    {
        CheckLabels(labels, photo.Width, photo.Height);
        var colours = new byte[photo.Width * photo.Height * 3];
        Colorize(labels[..(photo.Width * photo.Height)], paletteRgb, colours);
        var weights = new byte[photo.Width * photo.Height];
        byte weight = (byte)Math.Clamp(MathF.Round(alpha * 255), 0, 255);
        for (int i = 0; i < weights.Length; i++) weights[i] = labels[i] == transparentClass ? (byte)0 : weight;
        return Blend(photo, colours, weights);
    }

    /// <summary>The photo tinted with one colour through a soft mask (0..255, e.g. from <see cref="Feather"/>): out = photo + (colour − photo)·alpha·mask/255.</summary>
    public static Image OverlayMask(Image photo, Image mask, (byte R, byte G, byte B) colour, float alpha = 0.5f)
    {
        if (mask.Channels != 1 || mask.Width != photo.Width || mask.Height != photo.Height)
            throw new ArgumentException("The mask must be a single-channel image of the photo's size.");
        var colours = new byte[photo.Width * photo.Height * 3];
        for (int i = 0; i < colours.Length; i += 3) (colours[i], colours[i + 1], colours[i + 2]) = colour;
        var weights = new byte[mask.Pixels.Length];
        for (int i = 0; i < weights.Length; i++) weights[i] = (byte)Math.Clamp(MathF.Round(alpha * mask.Pixels[i]), 0, 255);
        return Blend(photo, colours, weights);
    }

    // photo (any channel count; gray is replicated, alpha dropped), colours[n·3], weights[n] in 0..255 → RGB image
    private static Image Blend(Image photo, ReadOnlySpan<byte> colours, ReadOnlySpan<byte> weights)
    {
        var result = new Image(photo.Width, photo.Height, 3);
        int channels = photo.Channels;
        for (int i = 0; i < weights.Length; i++)
        {
            var pixel = photo.Pixels.AsSpan(i * channels, channels);
            for (int c = 0; c < 3; c++)
            {
                int p = channels <= 2 ? pixel[0] : pixel[c];
                result.Pixels[3 * i + c] = (byte)((p * (255 - weights[i]) + colours[3 * i + c] * weights[i] + 127) / 255);
            }
        }
        return result;
    }

    /// <summary>Binary mask of one class: 255 where the label equals <paramref name="classId"/>, else 0.</summary>
    public static Image ClassMask(ReadOnlySpan<byte> labels, int width, int height, byte classId)
    {
        CheckLabels(labels, width, height);
        var mask = new Image(width, height, 1);
        for (int i = 0; i < mask.Pixels.Length; i++) mask.Pixels[i] = labels[i] == classId ? (byte)255 : (byte)0;
        return mask;
    }

    /// <summary>Soft-edged copy of a single-channel mask: <paramref name="passes"/> separable box blurs of the given radius
    /// (2 passes ≈ tent, 3 ≈ Gaussian), edges clamped. Radius 0 returns a copy.</summary>
    public static Image Feather(Image mask, int radius, int passes = 2)
    {
        if (mask.Channels != 1) throw new ArgumentException("Feathering needs a single-channel mask.");
        if (radius < 0 || passes < 1) throw new ArgumentOutOfRangeException(nameof(radius), "Radius must be ≥ 0 and passes ≥ 1.");
        var result = mask.Clone();
        if (radius == 0) return result;
        var scratch = new byte[Math.Max(mask.Width, mask.Height)];
        for (int p = 0; p < passes; p++)
        {
            for (int y = 0; y < mask.Height; y++) BoxBlur(result.Pixels.AsSpan(y * mask.Width), mask.Width, 1, radius, scratch);
            for (int x = 0; x < mask.Width; x++) BoxBlur(result.Pixels.AsSpan(x), mask.Height, mask.Width, radius, scratch);
        }
        return result;
    }

    // line (count elements `stride` apart), in place: each element = rounded mean of the 2·radius+1 neighbours, clamped at the ends
    private static void BoxBlur(Span<byte> line, int count, int stride, int radius, Span<byte> scratch)
    {
        int window = 2 * radius + 1;
        int sum = 0;
        for (int i = -radius; i <= radius; i++) sum += line[Math.Clamp(i, 0, count - 1) * stride];
        for (int i = 0; i < count; i++)
        {
            scratch[i] = (byte)((sum + window / 2) / window);
            sum += line[Math.Min(i + radius + 1, count - 1) * stride] - line[Math.Max(i - radius, 0) * stride];
        }
        for (int i = 0; i < count; i++) line[i * stride] = scratch[i];
    }

    private static void CheckLabels(ReadOnlySpan<byte> labels, int width, int height)
    {
        if (width < 1 || height < 1 || labels.Length < (long)width * height)
            throw new ArgumentException($"Label map has {labels.Length} ids, expected {width}x{height}.");
    }
}

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
