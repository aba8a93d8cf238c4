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
        if (width < 1 || height < 1) throw new ArgumentException($"Image size must be positive, got {width}x{height}.");
        if (channels is < 1 or > 4) throw new ArgumentException($"Image channels must be 1..4, got {channels}.");
        long size = (long)width * height * channels;
        if (size > Array.MaxLength) throw new ArgumentException($"Image {width}x{height}x{channels} is too large.");
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
        if (width < 1 || height < 1) throw new ArgumentException($"Image size must be positive, got {width}x{height}.");
        if (channels is < 1 or > 4) throw new ArgumentException($"Image channels must be 1..4, got {channels}.");
        long size = (long)width * height * channels;
        if (size > Array.MaxLength) throw new ArgumentException($"Image {width}x{height}x{channels} is too large.");
        if (samples is not null && samples.Length != size)
            throw new ArgumentException($"Sample buffer has {samples.Length} values, expected {size}.");
        Width = width;
        Height = height;
        Channels = channels;
        Samples = samples ?? new ushort[size];
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
}
