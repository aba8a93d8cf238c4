using System.Buffers.Binary;
using FaceParse.Imaging.Bmp;
using FaceParse.Imaging.Netpbm;

namespace FaceParse.Imaging.Tests;

public sealed class BmpPnmTests
{
    public static TheoryData<int, bool> ChannelsAndOrder()
    {
        var data = new TheoryData<int, bool>();
        foreach (int channels in new[] { 1, 3, 4 })
        {
            data.Add(channels, false);
            data.Add(channels, true);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(ChannelsAndOrder))]
    public void BmpRoundTripIsExact(int channels, bool topDown)
    {
        var image = TestImages.Photo(13, 7, channels);
        var bytes = BmpEncoder.Encode(image, topDown);
        Assert.True(BmpDecoder.IsBmp(bytes));
        PixelAssert.SameImage(image, BmpDecoder.Decode(bytes).Image);
        Assert.Equal(7, BmpDecoder.ReadInfo(bytes).Height);
    }

    [Fact]
    public void BmpPaletteKeepsIndices()
    {
        var labels = TestImages.Labels(10, 9, 5);
        var decoded = BmpDecoder.Decode(BmpEncoder.Encode(new PaletteImage(10, 9, labels, TestImages.LabelPaletteRgb(5))));
        Assert.Equal(labels, decoded.ToLabelMap());
        Assert.Equal(TestImages.LabelPaletteRgb(5), decoded.Palette!.Palette);
        Assert.Equal(3, decoded.Image.Channels);
    }

    [Fact]
    public void Bmp32BitRgbIgnoresFourthByte()
    {
        // Hand-built 2x1 BI_RGB 32-bit bottom-up file: pixels (B,G,R,X).
        var file = new byte[14 + 40 + 8];
        file[0] = (byte)'B';
        file[1] = (byte)'M';
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(10), 54);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(18), 2);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(22), 1);
        BinaryPrimitives.WriteInt16LittleEndian(file.AsSpan(26), 1);
        BinaryPrimitives.WriteInt16LittleEndian(file.AsSpan(28), 32);
        new byte[] { 1, 2, 3, 99, 4, 5, 6, 0 }.CopyTo(file, 54);
        var decoded = BmpDecoder.Decode(file);
        Assert.Equal(new byte[] { 3, 2, 1, 6, 5, 4 }, decoded.Image.Pixels);
    }

    [Fact]
    public void TruncatedBmpIsRejected()
    {
        var bytes = BmpEncoder.Encode(TestImages.Photo(13, 7, 3));
        Assert.Throws<ImageFormatException>(() => BmpDecoder.Decode(bytes.AsSpan(0, bytes.Length - 5)));
        Assert.Throws<ImageFormatException>(() => BmpDecoder.Decode(bytes.AsSpan(0, 30)));
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, false)]
    [InlineData(4, false)]
    [InlineData(1, true)]
    [InlineData(3, true)]
    public void PnmRoundTripIsExact(int channels, bool forcePam)
    {
        var image = TestImages.Photo(11, 5, channels);
        var bytes = PnmEncoder.Encode(image, forcePam);
        Assert.True(PnmDecoder.IsPnm(bytes));
        PixelAssert.SameImage(image, PnmDecoder.Decode(bytes).Image);
        var image16 = TestImages.Photo16(11, 5, channels);
        Assert.Equal(image16.Samples, PnmDecoder.Decode(PnmEncoder.Encode(image16, forcePam)).Image16!.Samples);
    }

    [Fact]
    public void PnmHeaderCommentsAndOddMaxvalAreHandled()
    {
        var decoded = PnmDecoder.Decode("P5\n# comment\n3 1 # another\n15\n\u0000\u0007\u000f"u8);
        Assert.Equal(new byte[] { 0, 119, 255 }, decoded.Image.Pixels);
        Assert.Throws<ImageFormatException>(() => PnmDecoder.Decode("P5\n2 1\n15\n\u0000\u0010"u8));
        Assert.Throws<ImageFormatException>(() => PnmDecoder.Decode("P6\n2 2\n255\n\u0000"u8));
        Assert.Throws<ImageFormatException>(() => PnmDecoder.Decode("P7\nWIDTH 1\nHEIGHT 1\nDEPTH 3\nMAXVAL 255\nTUPLTYPE RGB_ALPHA\nENDHDR\n1234"u8));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    public void NetpbmReadsOurBmpAndPam(int channels)
    {
        var image = TestImages.Photo(13, 7, channels);
        var pam = PnmEncoder.Encode(image, forcePam: true);
        Assert.Contains("13 by 7 by " + channels, System.Text.Encoding.ASCII.GetString(ExternalTools.Run("pamfile", "", pam)));
        PixelAssert.SameImage(image, PnmDecoder.Decode(ExternalTools.Run("pamtopam", "", pam)).Image);
        var fromBmp = PnmDecoder.Decode(ExternalTools.Run("bmptopnm", "", BmpEncoder.Encode(image))).Image;
        PixelAssert.Equal(RgbOf(image), RgbOf(fromBmp), 13, 3, "bmptopnm (colour only; it drops alpha)");
    }

    private static byte[] RgbOf(Image image) =>
        [.. PixelAssert.ToRgba(image.Pixels, image.Channels, (byte)255).Where((_, i) => i % 4 != 3)];
}
