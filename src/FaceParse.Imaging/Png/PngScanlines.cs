using System.Numerics;

namespace FaceParse.Imaging.Png;

/// <summary>One interlace pass: the pixels (X0 + i·Dx, Y0 + j·Dy) of the image.</summary>
internal readonly record struct PngPass(int X0, int Y0, int Dx, int Dy, int Width, int Height)
{
    private static readonly (int X0, int Y0, int Dx, int Dy)[] Adam7 =
        [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)];

    public static PngPass[] For(int width, int height, bool interlaced)
    {
        if (!interlaced) return [new PngPass(0, 0, 1, 1, width, height)];
        return [.. Adam7.Select(p => new PngPass(p.X0, p.Y0, p.Dx, p.Dy,
            (int)(((long)width - p.X0 + p.Dx - 1) / p.Dx), (int)(((long)height - p.Y0 + p.Dy - 1) / p.Dy)))];
    }

    public bool IsEmpty => Width <= 0 || Height <= 0;
}

/// <summary>Turns inflated scanlines into unpacked samples (one byte per sample for depths ≤ 8, one ushort for 16).</summary>
internal static class PngScanlines
{
    /// <summary>Size of the filtered data (filter byte + row bytes per row, over every pass).</summary>
    public static long RawSize(PngHeader header, PngPass[] passes)
    {
        long size = 0;
        foreach (var pass in passes)
        {
            if (!pass.IsEmpty) size += (header.RowBytes(pass.Width) + 1) * pass.Height;
        }
        return size;
    }

    // filtered scanlines → samples[Width·Height·Channels] holding raw sample values (T = byte for depth ≤ 8, ushort for 16)
    public static void Decode<T>(PngHeader header, PngPass[] passes, byte[] raw, string? fileName, Span<T> samples)
        where T : unmanaged, IBinaryInteger<T>
    {
        int channels = header.Channels;
        int bpp = header.FilterBytesPerPixel;
        int offset = 0;
        foreach (var pass in passes)
        {
            if (pass.IsEmpty) continue;
            int rowBytes = (int)header.RowBytes(pass.Width);
            var zero = new byte[rowBytes];
            var rowSamples = new T[pass.Width * channels];
            for (int j = 0; j < pass.Height; j++)
            {
                int filter = raw[offset];
                var row = raw.AsSpan(offset + 1, rowBytes);
                ReadOnlySpan<byte> prior = j == 0 ? zero : raw.AsSpan(offset + 1 - (rowBytes + 1), rowBytes);
                if (!PngFilters.Unfilter(filter, prior, bpp, row))
                    throw new ImageFormatException($"invalid filter type {filter} (pass at {pass.X0},{pass.Y0}, row {j})", fileName);
                Unpack(row, header.BitDepth, rowSamples);
                int y = pass.Y0 + j * pass.Dy;
                Scatter<T>(rowSamples, channels, pass.X0, pass.Dx, samples.Slice(y * header.Width * channels, header.Width * channels));
                offset += rowBytes + 1;
            }
        }
    }

    // packed big-endian row of `bits`-bit samples (1, 2, 4, 8, 16) → destination[n] sample values
    private static void Unpack<T>(ReadOnlySpan<byte> row, int bits, Span<T> destination) where T : unmanaged, IBinaryInteger<T>
    {
        if (bits == 16)
        {
            for (int i = 0; i < destination.Length; i++) destination[i] = T.CreateTruncating(row[2 * i] << 8 | row[2 * i + 1]);
            return;
        }
        int mask = (1 << bits) - 1;
        for (int i = 0; i < destination.Length; i++)
        {
            int bit = i * bits;
            destination[i] = T.CreateTruncating((row[bit >> 3] >> (8 - bits - (bit & 7))) & mask);
        }
    }

    // rowSamples[w·channels] → destination pixels x0, x0+dx, … of one image row
    private static void Scatter<T>(ReadOnlySpan<T> rowSamples, int channels, int x0, int dx, Span<T> destination)
    {
        if (dx == 1)
        {
            rowSamples.CopyTo(destination[(x0 * channels)..]);
            return;
        }
        for (int i = 0, x = x0; i < rowSamples.Length; i += channels, x += dx)
            rowSamples.Slice(i, channels).CopyTo(destination[(x * channels)..]);
    }

    // samples[n·channels] → destination[n·(channels+1)]: each pixel followed by alpha = 0 if it equals key, else opaque (an empty key matches nothing)
    public static void AppendKeyAlpha<T>(ReadOnlySpan<T> samples, int channels, ReadOnlySpan<T> key, T opaque, Span<T> destination)
        where T : unmanaged, IBinaryInteger<T>
    {
        for (int s = 0, d = 0; s < samples.Length; s += channels, d += channels + 1)
        {
            var pixel = samples.Slice(s, channels);
            pixel.CopyTo(destination[d..]);
            destination[d + channels] = pixel.SequenceEqual(key) ? T.Zero : opaque;
        }
    }
}
