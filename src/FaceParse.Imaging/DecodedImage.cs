namespace FaceParse.Imaging;

/// <summary>The container a file was read from.</summary>
public enum ImageFileFormat { Png, Bmp, Netpbm, Jpeg }

/// <summary>How the source file stores colour (before any expansion done by the decoder).</summary>
public enum ImageColorModel { Gray, GrayAlpha, Rgb, Rgba, Palette }

/// <summary>Header facts about an image file: size, colour model, sample depth, interlacing.</summary>
/// <remarks>Width/Height are the stored size; a JPEG whose <see cref="Orientation"/> is 5..8 decodes (auto-oriented) transposed.</remarks>
public sealed record ImageInfo(ImageFileFormat Format, int Width, int Height, ImageColorModel ColorModel, int BitDepth, bool Interlaced = false)
{
    /// <summary>JPEG: progressive (SOF2) rather than sequential coding.</summary>
    public bool Progressive { get; init; }

    /// <summary>EXIF orientation tag 1..8 (1 = upright, also when the file has none).</summary>
    public int Orientation { get; init; } = 1;

    /// <summary>JPEG: chroma subsampling and sampling factors, e.g. "4:2:0(2x2,1x1,1x1)"; null for other formats.</summary>
    public string? Subsampling { get; init; }

    /// <summary>Samples per pixel as stored in the file (palette = 1 index).</summary>
    public int SourceChannels => ColorModel switch
    {
        ImageColorModel.Gray or ImageColorModel.Palette => 1,
        ImageColorModel.GrayAlpha => 2,
        ImageColorModel.Rgb => 3,
        _ => 4,
    };
}

/// <summary>Decoding options shared by every decoder (the one place for them): the pixel limit that guards allocations
/// against hostile headers, and the JPEG rendering choices (ignored by formats they do not apply to).</summary>
public record ImageDecodeOptions
{
    public static readonly ImageDecodeOptions Default = new();

    /// <summary>Largest accepted Width × Height (default 100 megapixels); bigger images raise
    /// <see cref="ImageFormatException"/> before any pixel buffer is allocated.</summary>
    public long MaxPixels { get; init; } = 100_000_000;

    /// <summary>JPEG: rotate/flip the decoded image as the EXIF Orientation tag (2..8) says.</summary>
    public bool ApplyExifOrientation { get; init; } = true;

    /// <summary>JPEG: triangle-filter ("fancy") chroma upsampling like libjpeg's default; false replicates chroma samples.</summary>
    public bool FancyUpsampling { get; init; } = true;

    internal void CheckSize(long width, long height, string? fileName)
    {
        if (width < 1 || height < 1) throw new ImageFormatException($"invalid image size {width}x{height}", fileName);
        if (width * height > MaxPixels)
            throw new ImageFormatException($"image {width}x{height} exceeds the {MaxPixels}-pixel limit", fileName);
    }
}

/// <summary>A decoded file: always an 8-bit <see cref="Image"/>, plus the 16-bit samples and/or palette indices when the source has them.</summary>
/// <remarks>Palette sources give an RGB (or RGBA when the palette has alpha) <see cref="Image"/> and keep the indices in
/// <see cref="Palette"/>; 16-bit sources give the high bytes in <see cref="Image"/> and the exact samples in <see cref="Image16"/>.</remarks>
public sealed class DecodedImage
{
    private readonly Lazy<Image> _image;

    public ImageInfo Info { get; }
    /// <summary>The 8-bit pixels; for a 16-bit source they are made from <see cref="Image16"/> on first use, so a caller
    /// that only needs the 16-bit samples (e.g. a 16-bit PNG to PNG conversion) never holds both.</summary>
    public Image Image => _image.Value;
    public Image16? Image16 { get; }
    public PaletteImage? Palette { get; }

    public DecodedImage(ImageInfo info, Image image, Image16? image16 = null, PaletteImage? palette = null)
    {
        Info = info;
        _image = new Lazy<Image>(image);
        Image16 = image16;
        Palette = palette;
    }

    /// <summary>A 16-bit source whose 8-bit <see cref="Image"/> (the high bytes) is made on first use.</summary>
    public DecodedImage(ImageInfo info, Image16 image16)
    {
        Info = info;
        _image = new Lazy<Image>(image16.ToImage8);
        Image16 = image16;
    }

    /// <summary>Decoded size and channel count, without making the 8-bit image of a 16-bit source.</summary>
    public int Width => Image16?.Width ?? Image.Width;
    public int Height => Image16?.Height ?? Image.Height;
    public int Channels => Image16?.Channels ?? Image.Channels;

    /// <summary>Class ids of a label mask: palette indices, or raw values of an 8-bit single-channel image.</summary>
    /// <exception cref="InvalidOperationException">The image is neither a palette image nor 8-bit gray.</exception>
    public byte[] ToLabelMap()
    {
        if (Palette is not null) return Palette.Indices;
        if (Image.Channels == 1 && Info.BitDepth == 8) return Image.Pixels;
        throw new InvalidOperationException($"A {Info.ColorModel} {Info.BitDepth}-bit image is not a label map (need palette or 8-bit gray).");
    }
}
