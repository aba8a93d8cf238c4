using System.Buffers.Binary;
using System.IO.Compression;
using FaceParse.Imaging.Png;
using FaceParse.TestSupport;

namespace FaceParse.Imaging.Tests;

/// <summary>Issue 13 item 6: decoding and re-encoding a 16-bit PNG allocates about one copy of its samples, not three.</summary>
public sealed class PngMemoryTests
{
    private const int Side = 3000;
    private const long Slack = 4L << 20;

    [Fact]
    public void SixteenBitDecodeAllocatesOnlyItsSamples()
    {
        byte[] file = ZeroRgba16Png(Side, Side);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var decoded = PngDecoder.Decode(file);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        long output = decoded.Image16!.Samples.LongLength * sizeof(ushort);
        Assert.True(allocated <= output * 5 / 4 + Slack, $"decode allocated {allocated:N0} bytes for {output:N0} bytes of samples");
        Assert.Equal((Side, Side, 4), (decoded.Image16.Width, decoded.Image16.Height, decoded.Image16.Channels));
        Assert.All(decoded.Image16.Samples.AsSpan(0, 1000).ToArray(), s => Assert.Equal(0, s));
    }

    [Fact]
    public void SixteenBitEncodeAllocatesOnlyItsOutput()
    {
        var image = new Image16(Side, Side, 4);
        long before = GC.GetAllocatedBytesForCurrentThread();
        byte[] png = ImageCodec.Encode(image, "png");
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated <= png.LongLength * 5 / 4 + Slack, $"encode allocated {allocated:N0} bytes for a {png.Length:N0}-byte file");
        var back = PngDecoder.Decode(png);
        Assert.Equal(16, back.Info.BitDepth);
        Assert.DoesNotContain(back.Image16!.Samples, s => s != 0);
    }

    [Fact]
    public void EightBitImageOfASixteenBitSourceIsMadeOnFirstUse()
    {
        var image = new Image16(5, 3, 3);
        image.Samples[7] = 0xABCD;
        var decoded = PngDecoder.Decode(PngEncoder.Encode(image));
        Assert.Same(decoded.Image, decoded.Image);
        Assert.Equal(0xAB, decoded.Image.Pixels[7]);
        Assert.Equal((5, 3, 3), (decoded.Width, decoded.Height, decoded.Channels));
    }

    // An RGBA 16-bit PNG of zeros written with System.IO.Compression directly (filter type 0 on every row), not our encoder.
    private static byte[] ZeroRgba16Png(int width, int height)
    {
        using var idat = new MemoryStream();
        using (var zlib = new ZLibStream(idat, CompressionLevel.Optimal, leaveOpen: true))
        {
            var row = new byte[1 + width * 8];
            for (int y = 0; y < height; y++) zlib.Write(row);
        }
        using var file = new MemoryStream();
        file.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 16;
        ihdr[9] = 6;
        PngChunkWriter.Write(file, "IHDR", ihdr);
        PngChunkWriter.Write(file, "IDAT", idat.ToArray());
        PngChunkWriter.Write(file, "IEND", []);
        return file.ToArray();
    }

}
