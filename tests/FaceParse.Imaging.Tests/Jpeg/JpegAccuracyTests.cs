using FaceParse.Imaging.Jpeg;
using FaceParse.Imaging.Netpbm;

namespace FaceParse.Imaging.Tests.Jpeg;

/// <summary>Every JPEG of the sample manifest against libjpeg-turbo's djpeg references (max |diff| ≤ 3, mean ≤ 0.5).</summary>
public class JpegAccuracyTests(ITestOutputHelper output)
{
    private const int MaxDiff = 3;
    private const double MaxMean = 0.5;

    public static TheoryData<string> Files() => SampleFiles.Files("jpeg");

    public static TheoryData<string> NosmoothFiles() =>
        SampleFiles.Files("jpeg", s => s.Expect == "match" && s.ExtraRefs.Any(r => r.EndsWith(".nosmooth.ppm")));

    public static TheoryData<string> OrientedFiles() =>
        SampleFiles.Files("jpeg", s => s.Expect == "match" && s.Orientation is >= 2 and <= 8);

    [Theory]
    [MemberData(nameof(Files))]
    public void DecodesLikeDjpeg(string file)
    {
        var sample = SampleFiles.Row(file);
        byte[] data = SampleFiles.Bytes(file);
        switch (sample.Expect)
        {
            case "match":
                AssertMatches(sample, Decode(data, file, null));
                break;
            case "match_or_unsupported":
                Image? image = null;
                try { image = Decode(data, file, null); }
                catch (ImageFormatException e)
                {
                    Assert.Contains("unsupported", e.Message);
                    output.WriteLine($"refused cleanly: {e.Message}");
                }
                if (image is not null) AssertMatches(sample, image);
                break;
            case "error":
                var error = Assert.Throws<ImageFormatException>(() => Decode(data, file, null));
                Assert.Equal(Path.GetFileName(file), error.FileName);
                output.WriteLine(error.Message);
                break;
            default: // error_or_partial, no_crash
                try
                {
                    var partial = Decode(data, file, null);
                    output.WriteLine($"decoded leniently to {partial.Width}x{partial.Height}x{partial.Channels}");
                }
                catch (ImageFormatException e) { output.WriteLine(e.Message); }
                break;
        }
    }

    /// <summary>With fancy upsampling off, chroma-subsampled files match djpeg -nosmooth.</summary>
    [Theory]
    [MemberData(nameof(NosmoothFiles))]
    public void ReplicatedChromaMatchesNosmooth(string file)
    {
        var sample = SampleFiles.Row(file);
        string reference = sample.ExtraRefs.First(r => r.EndsWith(".nosmooth.ppm"));
        var image = Decode(SampleFiles.Bytes(file), file, new ImageDecodeOptions { FancyUpsampling = false, ApplyExifOrientation = false });
        Report(reference, image);
    }

    /// <summary>With orientation off, files with an EXIF orientation match the unrotated primary reference.</summary>
    [Theory]
    [MemberData(nameof(OrientedFiles))]
    public void OrientationCanBeDisabled(string file)
    {
        var sample = SampleFiles.Row(file);
        var image = Decode(SampleFiles.Bytes(file), file, new ImageDecodeOptions { ApplyExifOrientation = false });
        Report(sample.Reference!, image);
        Assert.Equal(sample.Orientation, JpegDecoder.ReadInfo(SampleFiles.Bytes(file)).Orientation);
    }

    private static Image Decode(byte[] data, string file, ImageDecodeOptions? options) =>
        JpegDecoder.Decode(data, options, Path.GetFileName(file));

    private void AssertMatches(SampleRow sample, Image image)
    {
        string reference = sample.DefaultReference ?? throw new InvalidOperationException($"no reference for {sample.File}");
        Report(reference, image);
    }

    /// <summary>Compares with a reference decode (a PNM under the samples folder, read by the library's Netpbm decoder).</summary>
    private void Report(string reference, Image image)
    {
        var (max, mean) = PixelAssert.Difference(PnmDecoder.Decode(SampleFiles.Bytes(reference), fileName: reference).Image, image);
        output.WriteLine($"max |diff| {max}, mean {mean:F4}");
        Assert.True(max <= MaxDiff, $"max |diff| {max} > {MaxDiff}");
        Assert.True(mean <= MaxMean, $"mean |diff| {mean:F4} > {MaxMean}");
    }
}
