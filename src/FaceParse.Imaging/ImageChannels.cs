using System.Numerics;

namespace FaceParse.Imaging;

/// <summary>Channel-count conversions between gray, gray+alpha, RGB and RGBA, for 8-bit and 16-bit images.</summary>
/// <remarks>Colour → gray uses BT.601 luma with 8-bit fixed-point weights (77, 150, 29)/256, rounded; gray → colour
/// replicates; alpha is dropped, or added opaque.</remarks>
public static class ImageChannels
{
    /// <summary>The image with <paramref name="channels"/> channels (the same instance when it already has them).</summary>
    public static Image ToChannels(this Image image, int channels) =>
        image.Channels == channels ? image : new Image(image.Width, image.Height, channels, Convert(image.Pixels, image.Channels, channels));

    /// <summary>The 16-bit image with <paramref name="channels"/> channels (the same instance when it already has them).</summary>
    public static Image16 ToChannels(this Image16 image, int channels) =>
        image.Channels == channels ? image : new Image16(image.Width, image.Height, channels, Convert(image.Samples, image.Channels, channels));

    private static T[] Convert<T>(T[] source, int from, int to) where T : unmanaged, IBinaryInteger<T>, IMinMaxValue<T>
    {
        if (to is < 1 or > 4) throw new ArgumentOutOfRangeException(nameof(to), to, "channels must be 1..4");
        int pixels = source.Length / from;
        var result = new T[(long)pixels * to];
        bool fromColor = from >= 3, fromAlpha = from is 2 or 4, toColor = to >= 3, toAlpha = to is 2 or 4;
        for (int i = 0; i < pixels; i++)
        {
            var s = source.AsSpan(i * from, from);
            var d = result.AsSpan(i * to, to);
            if (toColor && fromColor) s[..3].CopyTo(d);
            else if (toColor) d[0] = d[1] = d[2] = s[0];
            else d[0] = fromColor ? Luma(s[0], s[1], s[2]) : s[0];
            if (toAlpha) d[to - 1] = fromAlpha ? s[from - 1] : T.MaxValue;
        }
        return result;
    }

    private static T Luma<T>(T r, T g, T b) where T : IBinaryInteger<T> =>
        T.CreateTruncating((77 * long.CreateTruncating(r) + 150 * long.CreateTruncating(g) + 29 * long.CreateTruncating(b) + 128) >> 8);
}
