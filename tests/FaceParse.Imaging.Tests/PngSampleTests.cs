using System.Diagnostics;
using FaceParse.Imaging.Netpbm;
using FaceParse.Imaging.Png;

namespace FaceParse.Imaging.Tests;

/// <summary>Every PNG of shared/imaging-samples against its manifest expectation and libpng-verified reference.</summary>
public sealed class PngSampleTests
{
    public static TheoryData<string> PngFiles => SampleFiles.Files("png");

    [Theory]
    [MemberData(nameof(PngFiles))]
    public void DecodesAsManifestExpects(string file)
    {
        var bytes = File.ReadAllBytes(SampleFiles.PathOf(file));
        var row = SampleFiles.Row(file);
        var clock = Stopwatch.StartNew();
        DecodedImage? decoded = null;
        ImageFormatException? error = null;
        try
        {
            decoded = PngDecoder.Decode(bytes, fileName: file);
        }
        catch (ImageFormatException e)
        {
            error = e;
        }
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"took {clock.Elapsed}");
        switch (row.Expect)
        {
            case "match":
                Assert.Null(error);
                CompareWithReference(decoded!, row.Reference!);
                break;
            case "match_or_error":
                if (decoded is not null) CompareWithReference(decoded, row.Reference!);
                break;
            case "error":
                Assert.NotNull(error);
                Assert.Null(decoded);
                break;
            case "no_crash":
                Assert.True(decoded is not null || error is not null);
                break;
            default:
                Assert.Fail($"unknown expectation '{row.Expect}'");
                break;
        }
    }

    private static void CompareWithReference(DecodedImage decoded, string reference)
    {
        var expected = PnmDecoder.Decode(File.ReadAllBytes(SampleFiles.PathOf(reference)), fileName: reference);
        Assert.Equal(4, expected.Image.Channels);
        var image = decoded.Image;
        Assert.Equal((expected.Image.Width, expected.Image.Height), (image.Width, image.Height));
        if (expected.Image16 is { } ref16)
        {
            var ours = decoded.Image16 ?? throw new Xunit.Sdk.XunitException("16-bit source decoded without Image16");
            PixelAssert.Equal(ref16.Samples, PixelAssert.ToRgba(ours.Samples, ours.Channels, ushort.MaxValue), image.Width, 4, "16-bit samples");
        }
        PixelAssert.Equal(expected.Image.Pixels, PixelAssert.ToRgba(image.Pixels, image.Channels, (byte)255), image.Width, 4, "8-bit samples");
        if (decoded.Palette is { } palette)
        {
            var indexed = PixelAssert.ToRgba(palette.Indices.SelectMany(i => palette.Palette.AsSpan(3 * i, 3).ToArray()).ToArray(), 3, (byte)255);
            for (int i = 0; i < palette.Indices.Length; i++) indexed[4 * i + 3] = AlphaOf(palette, palette.Indices[i]);
            PixelAssert.Equal(expected.Image.Pixels, indexed, image.Width, 4, "palette indices through PLTE/tRNS");
        }
    }

    private static byte AlphaOf(PaletteImage palette, int index) => index < palette.Alpha.Length ? palette.Alpha[index] : (byte)255;
}
