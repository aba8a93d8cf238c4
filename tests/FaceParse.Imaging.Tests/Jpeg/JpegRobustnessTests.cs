using FaceParse.Imaging.Jpeg;

namespace FaceParse.Imaging.Tests.Jpeg;

/// <summary>Hand-made hostile inputs: each must raise <see cref="ImageFormatException"/> naming the problem, promptly.</summary>
public class JpegRobustnessTests
{
    private static readonly byte[] Soi = [0xFF, 0xD8];

    private static byte[] Segment(int marker, params byte[] payload) =>
        [0xFF, (byte)marker, (byte)((payload.Length + 2) >> 8), (byte)(payload.Length + 2), .. payload];

    private static byte[] Sof(int width, int height, int marker = 0xC0) =>
        Segment(marker, 8, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, 1, 1, 0x11, 0);

    private static byte[] Dqt() => Segment(0xDB, [0, .. Enumerable.Repeat((byte)1, 64)]);

    private static ImageFormatException Fails(byte[] data, string expectedText, ImageDecodeOptions? options = null)
    {
        var e = Assert.Throws<ImageFormatException>(() => JpegDecoder.Decode(data, options, "hostile.jpg"));
        Assert.Contains(expectedText, e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("hostile.jpg", e.FileName);
        return e;
    }

    [Fact]
    public void EmptyAndTinyInputsAreRejected()
    {
        Fails([], "missing SOI");
        Fails([0xFF], "missing SOI");
        Fails([0x89, 0x50, 0x4E, 0x47], "missing SOI");
        Fails(Soi, "premature end");
        Fails([.. Soi, 0xFF, 0xD9], "no frame header");
    }

    [Fact]
    public void HugeDeclaredSizeIsRejectedBeforeAllocation()
    {
        byte[] data = [.. Soi, .. Dqt(), .. Sof(65535, 65535), 0xFF, 0xD9];
        Fails(data, "exceeds the limit");
        Fails([.. Soi, .. Dqt(), .. Sof(1000, 1000), 0xFF, 0xD9], "exceeds the limit", new ImageDecodeOptions { MaxPixels = 999_999 });
        Assert.Equal(65535, JpegDecoder.ReadInfo(data).Width);
    }

    [Fact]
    public void ZeroSizeIsRejected()
    {
        Fails([.. Soi, .. Dqt(), .. Sof(0, 10), 0xFF, 0xD9], "frame size");
        Fails([.. Soi, .. Dqt(), .. Sof(10, 0), 0xFF, 0xD9], "frame size");
    }

    [Fact]
    public void OverfullHuffmanTableIsRejected()
    {
        byte[] counts = [3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]; // three 1-bit codes cannot exist
        Fails([.. Soi, .. Segment(0xC4, [0x00, .. counts, 1, 2, 3])], "code space");
        Fails([.. Soi, .. Segment(0xC4, [0x00, .. counts, 1])], "truncated DHT");
    }

    [Fact]
    public void MarkerLoopsAndBadLengthsTerminate()
    {
        Fails([.. Soi, .. Enumerable.Repeat((byte)0xFF, 100_000)], "premature end");
        Fails([.. Soi, .. Enumerable.Repeat(new byte[] { 0xFF, 0xD0 }, 50_000).SelectMany(x => x)], "premature end");
        Fails([.. Soi, 0xFF, 0xE0, 0x00, 0x00], "invalid length");
        Fails([.. Soi, 0xFF, 0xE0, 0x00, 0x01], "invalid length");
        Fails([.. Soi, 0xFF, 0xE0, 0x40, 0x00, 1, 2, 3], "truncated");
    }

    [Fact]
    public void MissingTablesAndScansAreRejected()
    {
        byte[] sos = Segment(0xDA, 1, 1, 0x00, 0, 63, 0);
        Fails([.. Soi, .. Sof(8, 8), .. sos, 0, 0xFF, 0xD9], "quantisation table 0 was not defined");
        Fails([.. Soi, .. Dqt(), .. sos, 0xFF, 0xD9], "before any SOF");
        Fails([.. Soi, .. Dqt(), .. Sof(8, 8), 0xFF, 0xD9], "missing SOS");
        byte[] sosTable2 = Segment(0xDA, 1, 1, 0x22, 0, 63, 0);
        Fails([.. Soi, .. Dqt(), .. Sof(8, 8), .. sosTable2, 0, 0xFF, 0xD9], "was not defined");
    }

    [Fact]
    public void UnsupportedProcessesSayUnsupported()
    {
        Fails([.. Soi, .. Dqt(), .. Sof(8, 8, 0xC9)], "unsupported");
        Fails([.. Soi, .. Dqt(), .. Sof(8, 8, 0xC3)], "unsupported");
        byte[] twelveBit = [.. Soi, .. Segment(0xC1, 12, 0, 8, 0, 8, 1, 1, 0x11, 0)];
        Fails(twelveBit, "unsupported");
    }

    [Fact]
    public void MissingHuffmanTablesFallBackToTheStandardOnes()
    {
        // A flat 8x8 gray block coded with the Annex K DC table: category 0 ("00"), then AC EOB ("1010"), padded with 1s.
        byte[] sos = Segment(0xDA, 1, 1, 0x00, 0, 63, 0);
        var image = JpegDecoder.Decode([.. Soi, .. Dqt(), .. Sof(8, 8), .. sos, 0b0010_1011, 0xFF, 0xD9]);
        Assert.All(image.Pixels, p => Assert.Equal(128, p));
    }

    [Fact]
    public void IsJpegLooksAtTheSignature()
    {
        Assert.True(JpegDecoder.IsJpeg([0xFF, 0xD8, 0xFF, 0xE0]));
        Assert.False(JpegDecoder.IsJpeg([0xFF, 0xD8]));
        Assert.False(JpegDecoder.IsJpeg("\x89PNG"u8));
    }

    [Fact]
    public void ReadInfoDescribesSamples()
    {
        SampleFiles.RequireRoot();
        var info = JpegDecoder.ReadInfo(SampleFiles.Bytes("jpeg/go/video-001.q50.420.progressive.jpeg"));
        Assert.Equal(new JpegInfo(150, 103, 3, 8, true, 1, "YCbCr", "4:2:0(2x2,1x1,1x1)"), info);
        info = JpegDecoder.ReadInfo(SampleFiles.Bytes("jpeg/jpeg-js/tree-cmyk.jpg"));
        Assert.Equal(("YCCK", 4, "4:4:4(1x1,1x1,1x1,1x1)"), (info.ColorSpace, info.Components, info.Subsampling));
        info = JpegDecoder.ReadInfo(SampleFiles.Bytes("jpeg/generated/v_exif_orient_6.jpg"));
        Assert.Equal((96, 144, 6), (info.Width, info.Height, info.Orientation));
        Assert.Equal("gray(1x1)", JpegDecoder.ReadInfo(SampleFiles.Bytes("jpeg/go/video-005.gray.jpeg")).Subsampling);
        Assert.Equal("RGB", JpegDecoder.ReadInfo(SampleFiles.Bytes("jpeg/go/video-001.rgb.jpeg")).ColorSpace);
    }
}
