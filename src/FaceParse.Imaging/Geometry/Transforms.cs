namespace FaceParse.Imaging.Geometry;

/// <summary>Exact pixel rearrangements: horizontal flip, crop and paste.</summary>
public static class Transforms
{
    public static Image FlipHorizontal(Image source)
    {
        var result = new Image(source.Width, source.Height, source.Channels);
        FlipHorizontal(source.Pixels, source.Width, source.Height, source.Channels, result.Pixels);
        return result;
    }

    // source[h·w·channels] → destination with each row mirrored (x → w − 1 − x); works for label maps with channels = 1
    public static void FlipHorizontal(ReadOnlySpan<byte> source, int width, int height, int channels, Span<byte> destination)
    {
        if (source.Length < (long)width * height * channels || destination.Length < (long)width * height * channels)
            throw new ArgumentException("Buffer sizes do not match the image size.");
        for (int y = 0; y < height; y++)
        {
            var row = source.Slice(y * width * channels, width * channels);
            var target = destination.Slice(y * width * channels, width * channels);
            for (int x = 0; x < width; x++) row.Slice(x * channels, channels).CopyTo(target[((width - 1 - x) * channels)..]);
        }
    }

    /// <summary>The width×height region at (x, y), which must lie inside the image.</summary>
    public static Image Crop(Image source, int x, int y, int width, int height)
    {
        if (x < 0 || y < 0 || width < 1 || height < 1 || x + width > source.Width || y + height > source.Height)
            throw new ArgumentOutOfRangeException(nameof(x), $"Crop {width}x{height} at ({x},{y}) is outside the {source.Width}x{source.Height} image.");
        var result = new Image(width, height, source.Channels);
        for (int row = 0; row < height; row++)
            source.Row(y + row).Slice(x * source.Channels, width * source.Channels).CopyTo(result.Row(row));
        return result;
    }

    /// <summary>Copies <paramref name="source"/> into <paramref name="destination"/> with its top-left at (x, y), clipped to the destination.</summary>
    public static void Paste(Image source, int x, int y, Image destination)
    {
        if (source.Channels != destination.Channels)
            throw new ArgumentException($"Channel counts differ: {source.Channels} vs {destination.Channels}.");
        int x0 = Math.Max(x, 0), y0 = Math.Max(y, 0);
        int x1 = Math.Min(x + source.Width, destination.Width), y1 = Math.Min(y + source.Height, destination.Height);
        if (x0 >= x1 || y0 >= y1) return;
        int channels = source.Channels;
        for (int row = y0; row < y1; row++)
            source.Row(row - y).Slice((x0 - x) * channels, (x1 - x0) * channels).CopyTo(destination.Row(row)[(x0 * channels)..]);
    }
}
