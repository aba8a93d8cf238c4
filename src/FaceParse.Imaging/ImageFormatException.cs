namespace FaceParse.Imaging;

/// <summary>A file that is not a valid image of a supported format: truncated, corrupt, hostile or too large.</summary>
/// <remarks>Decoders throw only this (never IndexOutOfRange or OutOfMemory) for bad bytes.</remarks>
public sealed class ImageFormatException : Exception
{
    /// <summary>The file the problem was found in, when known.</summary>
    public string? FileName { get; }

    public ImageFormatException(string message, string? fileName = null, Exception? inner = null)
        : base(fileName is null ? message : $"{fileName}: {message}", inner)
    {
        FileName = fileName;
    }
}
