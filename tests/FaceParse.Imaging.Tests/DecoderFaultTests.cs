using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using FaceParse.Imaging.Bmp;
using FaceParse.Imaging.Png;

namespace FaceParse.Imaging.Tests;

/// <summary>Decoder faults found by hand (issue 13, items 4–6): each input must give the documented
/// <see cref="ImageFormatException"/> naming the file, convert like it decodes, and decode in memory close to its output.</summary>
public class DecoderFaultTests
{
    [Fact]
    public void PngWithPresetDictionaryIsAFormatErrorNamingTheFile()
    {
        byte[] png = PngEncoder.Encode(new Image(2, 2, 1));
        byte[] idat = ChunkData(png, "IDAT");
        idat[1] = FlagsWith(idat[0], idat[1] | 0x20); // FDICT set, FCHECK fixed; then the 4-byte dictionary id
        byte[] fdict = [idat[0], idat[1], 0, 0, 0, 1, .. idat[2..]];
        byte[] bad = ReplaceChunk(png, "IDAT", fdict);
        var e = Assert.Throws<ImageFormatException>(() => ImageCodec.Decode(bad, fileName: "dict.png"));
        Assert.Equal("dict.png", e.FileName);
        Assert.Contains("dictionary", e.Message);
    }

    [Fact]
    public void PngWithBadZlibHeaderIsAFormatError()
    {
        byte[] png = PngEncoder.Encode(new Image(2, 2, 1));
        byte[] idat = ChunkData(png, "IDAT");
        idat[0] = 0x79; // compression method 9
        var e = Assert.Throws<ImageFormatException>(() => ImageCodec.Decode(ReplaceChunk(png, "IDAT", idat), fileName: "m9.png"));
        Assert.Equal("m9.png", e.FileName);
    }

    [Theory]
    [InlineData("P7\nWIDTH 1\nHEIGHT 1\nDEPTH 1\nMAXVAL 255\nTUPLTYPE GRAYSCALE\nENDHDR")]
    [InlineData("P7\nWIDTH 1\nHEIGHT 1\nDEPTH 1\nMAXVAL 255\nENDHDR  ")]
    [InlineData("P5\n1 1\n255")]
    public void NetpbmHeaderEndingAtEndOfFileIsAFormatError(string header)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(header);
        var e = Assert.Throws<ImageFormatException>(() => ImageCodec.Decode(bytes, fileName: "end.pam"));
        Assert.Equal("end.pam", e.FileName);
        Assert.Throws<ImageFormatException>(() => ImageCodec.ReadInfo(bytes, "end.pam"));
    }

    [Fact]
    public void PalettePngWithIndexPastThePaletteConvertsAsItDecodes()
    {
        var source = new PaletteImage(3, 2, [0, 5, 0, 5, 0, 0], [.. Enumerable.Range(0, 18).Select(i => (byte)(40 + i))]);
        byte[] png = ReplaceChunk(PngEncoder.Encode(source), "PLTE", [10, 20, 30]); // 1-entry palette, index 5 used
        var decoded = ImageCodec.Decode(png, fileName: "short-plte.png");
        Assert.Equal(new byte[] { 10, 20, 30, 0, 0, 0 }, decoded.Image.Pixels[..6]); // index 5 renders black, as documented
        foreach (string format in new[] { ".png", ".bmp", ".ppm" })
        {
            var again = ImageCodec.Decode(ImageCodec.Encode(decoded, format), fileName: "again" + format);
            Assert.Equal(decoded.Image.Pixels, again.Image.ToChannels(3).Pixels);
        }
    }

    [Fact]
    public void BmpWithColoursUsedBelowTheHighestIndexConvertsAsItDecodes()
    {
        var source = new PaletteImage(4, 2, [0, 1, 5, 5, 1, 0, 5, 0], [.. Enumerable.Range(0, 18).Select(i => (byte)(40 + 9 * i))]);
        byte[] bmp = BmpEncoder.Encode(source);
        BinaryPrimitives.WriteUInt32LittleEndian(bmp.AsSpan(14 + 32), 2); // biClrUsed = 2 (pixel offset stays past the 6 entries)
        var decoded = ImageCodec.Decode(bmp, fileName: "short.bmp");
        Assert.Equal(new byte[] { 0, 0, 0 }, decoded.Image.Pixels[6..9]); // index 5 renders black
        foreach (string format in new[] { ".png", ".bmp" })
        {
            var again = ImageCodec.Decode(ImageCodec.Encode(decoded, format), fileName: "again" + format);
            Assert.Equal(decoded.Image.Pixels, again.Image.ToChannels(3).Pixels);
        }
    }

    /// <summary>A 16-bit RGBA PNG of zeros: the decoder's allocations stay close to what it returns (the 16-bit samples
    /// plus their 8-bit image, 12 bytes a pixel), with no second copy of the inflated scanlines.</summary>
    [Fact]
    public void Png16BitDecodeAllocatesLittleMoreThanItsOutput()
    {
        const int Side = 1500;
        byte[] png = PngEncoder.Encode(new Image16(Side, Side, 4), new PngEncodeOptions { Filter = PngFilterMode.None });
        long output = (long)Side * Side * 12;
        ImageCodec.Decode(png, fileName: "zeros16.png"); // warm up
        long before = GC.GetAllocatedBytesForCurrentThread();
        var decoded = ImageCodec.Decode(png, fileName: "zeros16.png");
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(Side, decoded.Image16!.Width);
        Assert.True(allocated < output + output / 8 + (2 << 20), $"allocated {allocated:N0} bytes for {output:N0} bytes of output");
    }

    /// <summary>A progressive JPEG whose frame is large and whose second scan header is invalid: the header error comes
    /// before any frame-sized buffer is allocated.</summary>
    [Fact]
    public void JpegHeaderErrorAfterTheFirstScanAllocatesNothingFrameSized()
    {
        byte[] dqt = [0xFF, 0xDB, 0, 67, 0, .. Enumerable.Repeat((byte)1, 64)];
        byte[] sof = [0xFF, 0xC2, 0, 11, 8, 0x17, 0x70, 0x3E, 0x80, 1, 1, 0x11, 0]; // 16000 wide, 6000 high, gray
        byte[] dht = [0xFF, 0xC4, 0, 20, 0x00, 1, .. new byte[15], 0]; // DC table 0: one 1-bit code for category 0
        byte[] dcScan = [0xFF, 0xDA, 0, 8, 1, 1, 0x00, 0, 0, 0x00, 0x00, 0x00];
        byte[] badScan = [0xFF, 0xDA, 0, 8, 1, 1, 0x00, 1, 0, 0x00]; // AC scan with Se < Ss
        byte[] file = [0xFF, 0xD8, .. dqt, .. sof, .. dht, .. dcScan, .. badScan, 0xFF, 0xD9];
        var options = new ImageDecodeOptions { MaxPixels = 100_000_000 };
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ImageFormatException>(() => ImageCodec.Decode(file, options, "late-error.jpg"));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("progressive scan", e.Message);
        Assert.True(allocated < 4 << 20, $"allocated {allocated:N0} bytes before a header error");
    }

    /// <summary>A tiny progressive colour JPEG claiming a large frame (most of its scan data missing, read as zeros like libjpeg):
    /// decoding needs the 2-byte coefficient planes a progressive decode must keep (as libjpeg-turbo does) plus the output,
    /// about 3 bytes per output byte — not a multiple of the frame per pass.</summary>
    [Fact]
    public void ProgressiveJpegOfALargeFrameAllocatesAboutThreeTimesItsOutput()
    {
        const int W = 2000, H = 1500;
        byte[] dqt = [0xFF, 0xDB, 0, 67, 0, .. Enumerable.Repeat((byte)1, 64)];
        byte[] sof = [0xFF, 0xC2, 0, 17, 8, H >> 8, H & 255, W >> 8, W & 255, 3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0];
        byte[] dht = [0xFF, 0xC4, 0, 20, 0x00, 1, .. new byte[15], 0]; // DC table 0: one 1-bit code for category 0
        byte[] dcScan = [0xFF, 0xDA, 0, 12, 3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 0, 0x00];
        byte[] file = [0xFF, 0xD8, .. dqt, .. sof, .. dht, .. dcScan, .. new byte[300], 0xFF, 0xD9];
        Assert.True(file.Length < 450);
        ImageCodec.Decode(file, fileName: "tiny-progressive.jpg"); // warm up
        long before = GC.GetAllocatedBytesForCurrentThread();
        var image = ImageCodec.Decode(file, fileName: "tiny-progressive.jpg").Image;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        long output = (long)W * H * 3;
        Assert.Equal((W, H, 3), (image.Width, image.Height, image.Channels));
        Assert.True(allocated < 3.2 * output + (4 << 20), $"allocated {allocated:N0} bytes for {output:N0} bytes of output");
        Assert.True(allocated > 2.5 * output, $"allocated only {allocated:N0} bytes for {output:N0} bytes of output: the coefficient planes were allocated elsewhere");
    }

    private static byte FlagsWith(byte cmf, int flg)
    {
        flg &= 0xE0;
        return (byte)(flg + (31 - (cmf * 256 + flg) % 31) % 31);
    }

    internal static byte[] ChunkData(byte[] png, string type)
    {
        foreach (var (start, length, name) in Chunks(png))
            if (name == type) return png[(start + 8)..(start + 8 + length)];
        throw new InvalidOperationException(type + " not found");
    }

    /// <summary>The file with the first chunk of a type given new data (and a correct CRC).</summary>
    internal static byte[] ReplaceChunk(byte[] png, string type, byte[] data)
    {
        var (start, length, _) = Chunks(png).First(c => c.Type == type);
        using var output = new MemoryStream();
        output.Write(png, 0, start);
        PngChunkReader.Write(output, BinaryPrimitives.ReadUInt32BigEndian(Encoding.ASCII.GetBytes(type)), data);
        output.Write(png, start + 12 + length, png.Length - start - 12 - length);
        return output.ToArray();
    }

    private static IEnumerable<(int Start, int Length, string Type)> Chunks(byte[] png)
    {
        for (int p = 8; p + 12 <= png.Length;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(p));
            yield return (p, length, Encoding.ASCII.GetString(png, p + 4, 4));
            p += 12 + length;
        }
    }
}
