using System.Buffers.Binary;
using System.IO.Compression;

namespace FaceParse.Imaging.Png;

/// <summary>zlib inflation that never produces more than the expected size plus a small slack (zlib-bomb guard).</summary>
internal static class BoundedInflate
{
    /// <summary>Extra decompressed bytes tolerated after the image data (libpng also tolerates a little).</summary>
    public const int Slack = 4096;

    /// <summary>Deflate cannot exceed about 1032:1; a stream claiming more is short of data.</summary>
    public const long MaxRatio = 1032;

    // zlib stream → exactly `expected` bytes; throws ImageFormatException when the stream is short, corrupt (incl. Adler-32) or too long
    public static byte[] Inflate(byte[] zlib, long expected, string? fileName)
    {
        if (expected > zlib.LongLength * MaxRatio + 64)
            throw new ImageFormatException($"not enough image data: {zlib.Length} compressed bytes cannot hold {expected} bytes", fileName);
        if (expected > Array.MaxLength) throw new ImageFormatException($"image data of {expected} bytes is too large", fileName);
        var output = new byte[expected];
        try
        {
            using var stream = new ZLibStream(new MemoryStream(zlib, writable: false), CompressionMode.Decompress);
            int filled = 0;
            while (filled < output.Length)
            {
                int n = stream.Read(output, filled, output.Length - filled);
                if (n == 0) throw new ImageFormatException($"not enough image data: {filled} of {expected} bytes", fileName);
                filled += n;
            }
            uint adler = Adler32(output, 1);
            Span<byte> scratch = stackalloc byte[512];
            for (int extra = 0; ;)
            {
                int n = stream.Read(scratch);
                if (n == 0) break;
                adler = Adler32(scratch[..n], adler);
                extra += n;
                if (extra > Slack) throw new ImageFormatException("too much image data (more than the image size)", fileName);
            }
            // ZLibStream stops silently at the end of a truncated stream; the trailer must hold the Adler-32 of what came out.
            if (zlib.Length < 6 || BinaryPrimitives.ReadUInt32BigEndian(zlib.AsSpan(zlib.Length - 4)) != adler)
                throw new ImageFormatException("zlib stream is truncated or its Adler-32 check fails", fileName);
        }
        catch (InvalidDataException e)
        {
            throw new ImageFormatException($"corrupt zlib stream: {e.Message}", fileName, e);
        }
        return output;
    }

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
