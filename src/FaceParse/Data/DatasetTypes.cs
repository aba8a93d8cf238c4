using FaceParse.Imaging;

namespace FaceParse.Data;

/// <summary>One image/label pair of a dataset.</summary>
/// <param name="Stem">Sample id: the file stem (folder, LaPa), the HQ id (CelebAMask-HQ), NAME (Helen).</param>
/// <param name="ImagePath">The photo.</param>
/// <param name="MaskPath">The label PNG; for the official CelebAMask-HQ layout the pattern of its part masks
/// (<c>…/CelebAMask-HQ-mask-anno/{id/2000}/{id:05d}_*.png</c>).</param>
/// <param name="LandmarksPath">Landmark file when the layout has one per sample (LaPa), else null.</param>
public sealed record DatasetSample(string Stem, string ImagePath, string MaskPath, string? LandmarksPath = null);

/// <summary>A decoded label map: one class id (or 255 = ignore) per pixel, row-major.</summary>
public sealed record LabelMap(int Width, int Height, byte[] Labels)
{
    public override string ToString() => $"{Width}x{Height} label map";
}

/// <summary>Decodes photos. FaceParse's data layer takes one of these instead of depending on a particular codec (JPEG comes
/// from a separate decoder); <see cref="PngImageDecoder"/> handles PNG only.</summary>
public interface IImageDecoder
{
    /// <summary>The decoded image (8-bit, 1/3/4 channels).</summary>
    Image Decode(string path);

    /// <summary>Width and height from the file header alone, or null when this decoder cannot read the header cheaply
    /// (then up-front validation skips the image size check and <see cref="FaceParsingDataset.LoadSample"/> still checks it).</summary>
    (int Width, int Height)? ReadSize(string path);
}

/// <summary>PNG-only <see cref="IImageDecoder"/> built on <see cref="Imaging.Png.PngDecoder"/>.</summary>
public sealed class PngImageDecoder : IImageDecoder
{
    public static readonly PngImageDecoder Instance = new();

    public Image Decode(string path) => Imaging.Png.PngDecoder.Decode(File.ReadAllBytes(path), fileName: path).Image;

    public (int Width, int Height)? ReadSize(string path)
    {
        var info = MaskFiles.ReadPngHeader(path);
        return (info.Width, info.Height);
    }
}

/// <summary>Base of the dataset errors; <see cref="Path"/> names the file or folder at fault.</summary>
public abstract class DatasetException(string message, string path, Exception? inner) : Exception(message, inner)
{
    public string Path { get; } = path;
}

/// <summary>The folder does not have the expected layout: missing folder or file, missing mask, no samples, ambiguous names,
/// unreadable split/landmark file. The message says what was expected and what was found.</summary>
public sealed class DatasetLayoutException(string message, string path, Exception? inner = null) : DatasetException(message, path, inner);

/// <summary>A file has the right place but wrong content: a mask value outside the label set, an image/mask size mismatch,
/// a mask that is not a label PNG.</summary>
public sealed class DatasetContentException(string message, string path, Exception? inner = null) : DatasetException(message, path, inner);
