namespace FaceParse.Imaging.Png;

/// <summary>PNG decoding limits and strictness.</summary>
public sealed record PngDecodeOptions : ImageDecodeOptions
{
    public static new readonly PngDecodeOptions Default = new();

    /// <summary>When true an ancillary chunk with a bad CRC is an error; by default it is skipped, as libpng does.</summary>
    public bool StrictAncillaryCrc { get; init; }
}
