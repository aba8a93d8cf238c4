using FaceParse.Imaging;

namespace FaceParse.Data;

/// <summary>Decodes any supported photo (JPEG, PNG, BMP, Netpbm; format from the bytes, EXIF orientation applied)
/// to 8-bit RGB through <see cref="ImageCodec"/>.</summary>
public sealed class CodecImageDecoder : IImageDecoder
{
    public static readonly CodecImageDecoder Instance = new();

    public Image Decode(string path) => ImageCodec.Load(path).Image.ToChannels(3);

    public (int Width, int Height)? ReadSize(string path)
    {
        var info = ImageCodec.ReadInfo(path);
        // EXIF orientations 5..8 swap width and height once applied.
        return info.Orientation is >= 5 and <= 8 ? (info.Height, info.Width) : (info.Width, info.Height);
    }
}
