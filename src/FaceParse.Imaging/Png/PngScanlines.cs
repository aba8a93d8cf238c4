using System.Buffers.Binary;
using System.IO.Compression;
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

    // inflated filtered scanlines (read row by row) → samples[Width·Height·Channels] holding raw sample values (T = byte for depth ≤ 8, ushort for 16)
    public static void Decode<T>(PngHeader header, PngPass[] passes, BoundedInflate raw, string? fileName, Span<T> samples)
        where T : unmanaged, IBinaryInteger<T>
    {
        int channels = header.Channels;
        int bpp = header.FilterBytesPerPixel;
        int widest = (int)header.RowBytes(header.Width) + 1;
        var current = new byte[widest];
        var prior = new byte[widest];
        var rowSamples = new T[header.Width * channels];
        foreach (var pass in passes)
        {
            if (pass.IsEmpty) continue;
            int rowBytes = (int)header.RowBytes(pass.Width);
            prior.AsSpan().Clear();
            for (int j = 0; j < pass.Height; j++)
            {
                raw.Read(current.AsSpan(0, rowBytes + 1));
                int filter = current[0];
                var row = current.AsSpan(1, rowBytes);
                if (!PngFilters.Unfilter(filter, prior.AsSpan(1, rowBytes), bpp, row))
                    throw new ImageFormatException($"invalid filter type {filter} (pass at {pass.X0},{pass.Y0}, row {j})", fileName);
                var passSamples = rowSamples.AsSpan(0, pass.Width * channels);
                Unpack(row, header.BitDepth, passSamples);
                int y = pass.Y0 + j * pass.Dy;
                Scatter<T>(passSamples, channels, pass.X0, pass.Dx, samples.Slice(y * header.Width * channels, header.Width * channels));
                (current, prior) = (prior, current);
            }
        }
        raw.Finish();
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

/// <summary>The five PNG scanline filters (None, Sub, Up, Average, Paeth) in both directions.</summary>
internal static class PngFilters
{
    public const int Count = 5;

    // (a left, b up, c up-left) → Paeth predictor: whichever of a, b, c is nearest to a + b − c (ties a, b, c)
    public static byte Paeth(byte a, byte b, byte c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    // prior[n], row[n] (filtered) → row[n] reconstructed in place; bpp = bytes per pixel (≥1); returns false for an unknown filter type
    public static bool Unfilter(int filterType, ReadOnlySpan<byte> prior, int bpp, Span<byte> row)
    {
        switch (filterType)
        {
            case 0:
                return true;
            case 1:
                for (int i = bpp; i < row.Length; i++) row[i] += row[i - bpp];
                return true;
            case 2:
                for (int i = 0; i < row.Length; i++) row[i] += prior[i];
                return true;
            case 3:
                for (int i = 0; i < bpp; i++) row[i] += (byte)(prior[i] >> 1);
                for (int i = bpp; i < row.Length; i++) row[i] += (byte)((row[i - bpp] + prior[i]) >> 1);
                return true;
            case 4:
                for (int i = 0; i < bpp; i++) row[i] += prior[i];
                for (int i = bpp; i < row.Length; i++) row[i] += Paeth(row[i - bpp], prior[i], prior[i - bpp]);
                return true;
            default:
                return false;
        }
    }

    // row[n], prior[n] (raw) → destination[n] filtered with filterType 0..4
    public static void Filter(int filterType, ReadOnlySpan<byte> row, ReadOnlySpan<byte> prior, int bpp, Span<byte> destination)
    {
        for (int i = 0; i < row.Length; i++)
        {
            byte a = i >= bpp ? row[i - bpp] : (byte)0;
            byte c = i >= bpp ? prior[i - bpp] : (byte)0;
            byte predictor = filterType switch
            {
                0 => 0,
                1 => a,
                2 => prior[i],
                3 => (byte)((a + prior[i]) >> 1),
                _ => Paeth(a, prior[i], c),
            };
            destination[i] = (byte)(row[i] - predictor);
        }
    }

    // filtered[n] → Σ |signed byte|, the usual "minimum sum of absolute differences" cost
    public static long Cost(ReadOnlySpan<byte> filtered)
    {
        long sum = 0;
        foreach (byte b in filtered) sum += b < 128 ? b : 256 - b;
        return sum;
    }
}

/// <summary>zlib inflation read row by row that never produces more than the expected size plus a small slack
/// (zlib-bomb guard); every fault of the stream (header, preset dictionary, corrupt data, Adler-32) is an ImageFormatException.</summary>
internal sealed class BoundedInflate : IDisposable
{
    /// <summary>Extra decompressed bytes tolerated after the image data (libpng also tolerates a little).</summary>
    public const int Slack = 4096;

    /// <summary>Deflate cannot exceed about 1032:1; a stream claiming more is short of data.</summary>
    public const long MaxRatio = 1032;

    private readonly byte[] _zlib;
    private readonly ZLibStream _stream;
    private readonly long _expected;
    private readonly string? _fileName;
    private long _produced;
    private uint _adler = 1;

    private BoundedInflate(byte[] zlib, long expected, string? fileName)
    {
        _zlib = zlib;
        _expected = expected;
        _fileName = fileName;
        _stream = new ZLibStream(new MemoryStream(zlib, writable: false), CompressionMode.Decompress);
    }

    /// <summary>Checks the zlib header and that the compressed size can hold `expected` bytes, before anything is inflated.</summary>
    public static BoundedInflate Open(byte[] zlib, long expected, string? fileName)
    {
        if (zlib.Length < 2) throw new ImageFormatException("zlib stream is truncated", fileName);
        int cmf = zlib[0], flg = zlib[1];
        if ((cmf & 0x0F) != 8 || cmf >> 4 > 7) throw new ImageFormatException($"invalid zlib header (compression method {cmf & 0x0F}, window {cmf >> 4})", fileName);
        if ((cmf * 256 + flg) % 31 != 0) throw new ImageFormatException("invalid zlib header check bits", fileName);
        if ((flg & 0x20) != 0) throw new ImageFormatException("zlib stream asks for a preset dictionary, which PNG does not allow", fileName);
        if (expected > zlib.LongLength * MaxRatio + 64)
            throw new ImageFormatException($"not enough image data: {zlib.Length} compressed bytes cannot hold {expected} bytes", fileName);
        return new BoundedInflate(zlib, expected, fileName);
    }

    // → destination filled with the next destination.Length inflated bytes; throws when the stream is short or corrupt
    public void Read(Span<byte> destination)
    {
        if (_produced + destination.Length > _expected) throw new InvalidOperationException("read past the expected size");
        int filled = 0;
        while (filled < destination.Length)
        {
            int n = ReadSome(destination[filled..]);
            if (n == 0) throw new ImageFormatException($"not enough image data: {_produced + filled} of {_expected} bytes", _fileName);
            filled += n;
        }
        _adler = Adler32(destination, _adler);
        _produced += filled;
    }

    /// <summary>After the expected bytes: at most <see cref="Slack"/> more, then the Adler-32 trailer must match.</summary>
    public void Finish()
    {
        Span<byte> scratch = stackalloc byte[512];
        for (int extra = 0; ;)
        {
            int n = ReadSome(scratch);
            if (n == 0) break;
            _adler = Adler32(scratch[..n], _adler);
            extra += n;
            if (extra > Slack) throw new ImageFormatException("too much image data (more than the image size)", _fileName);
        }
        // ZLibStream stops silently at the end of a truncated stream; the trailer must hold the Adler-32 of what came out.
        if (_zlib.Length < 6 || BinaryPrimitives.ReadUInt32BigEndian(_zlib.AsSpan(_zlib.Length - 4)) != _adler)
            throw new ImageFormatException("zlib stream is truncated or its Adler-32 check fails", _fileName);
    }

    private int ReadSome(Span<byte> destination)
    {
        try
        {
            return _stream.Read(destination);
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            throw new ImageFormatException($"corrupt zlib stream: {e.Message}", _fileName, e);
        }
    }

    public void Dispose() => _stream.Dispose();

    // bytes[n] → Adler-32 continuing from `previous` (1 to start)
    public static uint Adler32(ReadOnlySpan<byte> bytes, uint previous)
    {
        const uint Mod = 65521;
        uint a = previous & 0xFFFF, b = previous >> 16;
        while (bytes.Length > 0)
        {
            int n = Math.Min(bytes.Length, 5552);
            foreach (byte x in bytes[..n])
            {
                a += x;
                b += a;
            }
            a %= Mod;
            b %= Mod;
            bytes = bytes[n..];
        }
        return b << 16 | a;
    }
}
