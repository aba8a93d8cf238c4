namespace FaceParse.Imaging;

/// <summary>An interleaved 8-bit image: Height rows of Width pixels of Channels bytes (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA).</summary>
/// <remarks>Pixels are row-major, no padding: index = (y·Width + x)·Channels + c. 16-bit sources decode to
/// <see cref="Image16"/>; palette sources keep their indices in <see cref="PaletteImage"/>.</remarks>
public sealed class Image
{
    public int Width { get; }
    public int Height { get; }
    public int Channels { get; }
    public byte[] Pixels { get; }

    public Image(int width, int height, int channels, byte[]? pixels = null)
    {
        long size = SampleCount(width, height, channels);
        if (pixels is not null && pixels.Length != size)
            throw new ArgumentException($"Pixel buffer has {pixels.Length} bytes, expected {width}x{height}x{channels} = {size}.");
        Width = width;
        Height = height;
        Channels = channels;
        Pixels = pixels ?? new byte[size];
    }

    public int Stride => Width * Channels;

    public Span<byte> Row(int y) => Pixels.AsSpan(y * Stride, Stride);

    public Image Clone() => new(Width, Height, Channels, (byte[])Pixels.Clone());

    /// <summary>Width·Height·Channels after checking the shape (positive size, 1..4 channels, fits one array).</summary>
    internal static long SampleCount(int width, int height, int channels)
    {
        if (width < 1 || height < 1) throw new ArgumentException($"Image size must be positive, got {width}x{height}.");
        if (channels is < 1 or > 4) throw new ArgumentException($"Image channels must be 1..4, got {channels}.");
        long size = (long)width * height * channels;
        if (size > Array.MaxLength) throw new ArgumentException($"Image {width}x{height}x{channels} is too large.");
        return size;
    }
}

/// <summary>A 16-bit-per-sample image (PNG 16-bit, PGM/PPM maxval 65535), same layout as <see cref="Image"/>.</summary>
public sealed class Image16
{
    public int Width { get; }
    public int Height { get; }
    public int Channels { get; }
    public ushort[] Samples { get; }

    public Image16(int width, int height, int channels, ushort[]? samples = null)
    {
        long size = Image.SampleCount(width, height, channels);
        if (samples is not null && samples.Length != size)
            throw new ArgumentException($"Sample buffer has {samples.Length} values, expected {size}.");
        Width = width;
        Height = height;
        Channels = channels;
        Samples = samples ?? new ushort[size];
    }

    /// <summary>The 8-bit image of the high bytes (v >> 8).</summary>
    public Image ToImage8()
    {
        var pixels = GC.AllocateUninitializedArray<byte>(Samples.Length);
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(Samples[i] >> 8);
        return new Image(Width, Height, Channels, pixels);
    }
}

/// <summary>Palette indices plus their RGB(A) colours; label maps are stored this way (index = class id).</summary>
public sealed class PaletteImage
{
    public int Width { get; }
    public int Height { get; }
    public byte[] Indices { get; }
    /// <summary>RGB triples, one per palette entry.</summary>
    public byte[] Palette { get; }
    /// <summary>Alpha per palette entry (PNG tRNS); entries past its end are opaque. Empty when absent.</summary>
    public byte[] Alpha { get; }

    public PaletteImage(int width, int height, byte[] indices, byte[] palette, byte[]? alpha = null)
    {
        if (width < 1 || height < 1) throw new ArgumentException($"Image size must be positive, got {width}x{height}.");
        if (indices.Length != (long)width * height) throw new ArgumentException($"Index buffer has {indices.Length} bytes, expected {width}x{height}.");
        if (palette.Length % 3 != 0 || palette.Length > 256 * 3) throw new ArgumentException($"Palette must hold 1..256 RGB triples, got {palette.Length} bytes.");
        Width = width;
        Height = height;
        Indices = indices;
        Palette = palette;
        Alpha = alpha ?? [];
    }

    /// <summary>The palette grown with black entries so that it covers every index used (at most 256 entries); the same
    /// array when it already does. Decoders use it for files whose indices run past their palette, which render black.</summary>
    internal static byte[] CoveringPalette(byte[] palette, ReadOnlySpan<byte> indices)
    {
        int entries = palette.Length / 3;
        if (entries >= 256 || indices.IndexOfAnyInRange((byte)entries, byte.MaxValue) < 0) return palette;
        int used = 0;
        foreach (byte index in indices) used = Math.Max(used, index + 1);
        return [.. palette, .. new byte[used * 3 - palette.Length]];
    }

    /// <summary>The colours: RGB, or RGBA when <see cref="Alpha"/> is present (entries past its end are opaque).
    /// Indices past the palette render as opaque black.</summary>
    public Image ToImage()
    {
        int channels = Alpha.Length > 0 ? 4 : 3;
        int entries = Palette.Length / 3;
        var pixels = new byte[Indices.Length * channels];
        for (int i = 0, d = 0; i < Indices.Length; i++, d += channels)
        {
            int index = Indices[i];
            if (index < entries) Palette.AsSpan(3 * index, 3).CopyTo(pixels.AsSpan(d));
            if (channels == 4) pixels[d + 3] = index < Alpha.Length ? Alpha[index] : (byte)255;
        }
        return new Image(Width, Height, channels, pixels);
    }
}
