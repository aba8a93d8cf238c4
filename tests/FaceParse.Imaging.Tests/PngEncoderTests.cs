using FaceParse.Imaging.Netpbm;
using FaceParse.Imaging.Png;

namespace FaceParse.Imaging.Tests;

public sealed class PngEncoderTests
{
    public static TheoryData<int, PngFilterMode> Modes()
    {
        var data = new TheoryData<int, PngFilterMode>();
        foreach (int channels in new[] { 1, 2, 3, 4 })
            foreach (var mode in Enum.GetValues<PngFilterMode>()) data.Add(channels, mode);
        return data;
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void EightBitRoundTripIsExact(int channels, PngFilterMode mode)
    {
        var image = TestImages.Photo(37, 23, channels);
        var decoded = PngDecoder.Decode(PngEncoder.Encode(image, new PngEncodeOptions { Filter = mode }));
        PixelAssert.SameImage(image, decoded.Image);
        Assert.Equal(8, decoded.Info.BitDepth);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    public void SixteenBitRoundTripIsExact(int channels)
    {
        var image = TestImages.Photo16(19, 11, channels);
        var decoded = PngDecoder.Decode(PngEncoder.Encode(image));
        Assert.Equal(image.Samples, decoded.Image16!.Samples);
        Assert.Equal(image.Samples.Select(s => (byte)(s >> 8)), decoded.Image.Pixels);
    }

    [Fact]
    public void PaletteRoundTripKeepsIndicesPaletteAndAlpha()
    {
        var labels = TestImages.Labels(41, 17, 19);
        var source = new PaletteImage(41, 17, labels, TestImages.LabelPaletteRgb(19), [0, 128]);
        var decoded = PngDecoder.Decode(PngEncoder.Encode(source));
        Assert.Equal(labels, decoded.Palette!.Indices);
        Assert.Equal(labels, decoded.ToLabelMap());
        Assert.Equal(source.Palette, decoded.Palette.Palette);
        Assert.Equal(source.Alpha, decoded.Palette.Alpha);
        Assert.Equal(4, decoded.Image.Channels);
        Assert.Equal(128, decoded.Image.Pixels[Array.IndexOf(labels, (byte)1) * 4 + 3]);
    }

    [Fact]
    public void GrayLabelMaskReadsAsRawClassIds()
    {
        var labels = TestImages.Labels(30, 20, 19);
        var decoded = PngDecoder.Decode(PngEncoder.Encode(new Image(30, 20, 1, labels)));
        Assert.Equal(labels, decoded.ToLabelMap());
    }

    [Fact]
    public void PaletteIndexOutsidePaletteIsRejected()
    {
        var image = new PaletteImage(2, 1, [0, 5], [1, 2, 3]);
        Assert.Throws<ArgumentException>(() => PngEncoder.Encode(image));
    }

    [Fact]
    public void EncodingIsDeterministic()
    {
        var image = TestImages.Photo(64, 48, 3);
        Assert.Equal(PngEncoder.Encode(image), PngEncoder.Encode(image.Clone()));
    }

    [Fact]
    public void InfoReportsHeader()
    {
        var info = PngDecoder.ReadInfo(PngEncoder.Encode(TestImages.Photo16(5, 3, 1)));
        Assert.Equal(new ImageInfo(ImageFileFormat.Png, 5, 3, ImageColorModel.Gray, 16), info);
        Assert.True(PngDecoder.IsPng(PngEncoder.Encode(TestImages.Photo(2, 2, 3))));
        Assert.False(PngDecoder.IsPng("BM"u8));
    }

    public static TheoryData<string> ToolCases => ["gray8", "gray+alpha8", "rgb8", "rgba8", "gray16", "palette", "palette+tRNS"];

    /// <summary>libpng (via netpbm pngtopam) reads our files to the same pixels.</summary>
    [Theory]
    [MemberData(nameof(ToolCases))]
    public void NetpbmDecodesOurFilesIdentically(string kind)
    {
        var labels = TestImages.Labels(33, 21, 7);
        var palette = new PaletteImage(33, 21, labels, TestImages.LabelPaletteRgb(7), kind == "palette+tRNS" ? [0, 200] : null);
        byte[] png = kind switch
        {
            "gray8" => PngEncoder.Encode(TestImages.Photo(33, 21, 1)),
            "gray+alpha8" => PngEncoder.Encode(TestImages.Photo(33, 21, 2)),
            "rgb8" => PngEncoder.Encode(TestImages.Photo(33, 21, 3)),
            "rgba8" => PngEncoder.Encode(TestImages.Photo(33, 21, 4)),
            "gray16" => PngEncoder.Encode(TestImages.Photo16(33, 21, 1)),
            _ => PngEncoder.Encode(palette),
        };
        var ours = PngDecoder.Decode(png);
        var theirs = PnmDecoder.Decode(ExternalTools.Run("pngtopam", "-alphapam", png));
        if (ours.Image16 is { } ours16)
        {
            var theirs16 = theirs.Image16!;
            PixelAssert.Equal(PixelAssert.ToRgba(ours16.Samples, ours16.Channels, ushort.MaxValue),
                PixelAssert.ToRgba(theirs16.Samples, theirs16.Channels, ushort.MaxValue), 33, 4, kind);
            return;
        }
        PixelAssert.Equal(PixelAssert.ToRgba(ours.Image.Pixels, ours.Image.Channels, (byte)255),
            PixelAssert.ToRgba(theirs.Image.Pixels, theirs.Image.Channels, (byte)255), 33, 4, kind);
    }
}
