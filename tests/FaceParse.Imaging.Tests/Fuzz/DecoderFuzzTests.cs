using System.Text;
using FaceParse.Imaging.Bmp;
using FaceParse.Imaging.Jpeg;
using FaceParse.Imaging.Netpbm;
using FaceParse.Imaging.Png;
using FaceParse.Testing.Fuzz;

namespace FaceParse.Imaging.Tests.Fuzz;

/// <summary>The decoder fuzz targets (issue 13): seeded mutations of a corpus of sample files (../shared/imaging-samples,
/// files up to 64 KiB) and generated images; every case must decode or raise <see cref="ImageFormatException"/> within
/// 2 s, allocating at most 24 bytes per pixel of the MCU-padded size the header claims, plus 16 bytes per input byte
/// plus 8 MiB. 4,000 cases per target here; `tests/fuzz.sh --long` runs 20,000.</summary>
[Trait("Category", "Fuzz")]
public sealed class DecoderFuzzTests(ITestOutputHelper output)
{
    private const int CiCases = 4000;
    private const int FixedSeed = 20261206;
    private static readonly ImageDecodeOptions Options = new() { MaxPixels = 4_000_000 };

    public static TheoryData<string> Targets() => ["png", "jpeg", "bmp", "netpbm"];

    [Theory(Timeout = 300_000)]
    [MemberData(nameof(Targets))]
    public async Task MutatedFilesDecodeOrFailWithTheDocumentedError(string format)
    {
        var corpus = Corpus(format);
        var mutator = new Mutator(corpus, format switch
        {
            "png" => ImageMutations.Png,
            "jpeg" => ImageMutations.Jpeg,
            "bmp" => ImageMutations.Bmp,
            _ => ImageMutations.Netpbm,
        });
        var target = new FuzzTarget
        {
            Name = format,
            Run = bytes => ImageCodec.Decode(bytes, Options, "fuzz." + format),
            DocumentedError = typeof(ImageFormatException),
            AllocationBound = AllocationBound,
        };
        int cases = FuzzRunner.Cases(CiCases);
        var report = await Task.Run(() => FuzzRunner.Run(target, mutator, cases, FuzzRunner.Seed(FixedSeed), TestContext.Current.CancellationToken),
            TestContext.Current.CancellationToken);
        output.WriteLine($"{report} (corpus {corpus.Count} files)");
        Assert.True(report.Rejected > 0 && report.Succeeded > 0, report.ToString());
    }

    /// <summary>24 bytes per pixel of the claimed frame padded to 32×32 (JPEG MCUs; progressive CMYK keeps 8 bytes of
    /// coefficients and 4 of planes per pixel before rendering), 16 per input byte, 8 MiB of tables and rows.</summary>
    internal static long AllocationBound(byte[] bytes)
    {
        long pixels = 0;
        try
        {
            var info = ImageCodec.ReadInfo(bytes, "fuzz");
            if ((long)info.Width * info.Height <= Options.MaxPixels) pixels = (info.Width + 31L) / 32 * 32 * ((info.Height + 31L) / 32 * 32);
        }
        catch (ImageFormatException)
        {
        }
        return 24 * pixels + 16L * bytes.Length + (8 << 20);
    }

    internal static List<byte[]> Corpus(string format)
    {
        var files = new List<byte[]>();
        if (format is "png" or "jpeg" && SampleFiles.Root is { } root)
        {
            foreach (var row in SampleFiles.Rows.Where(r => r.Format == format))
            {
                var info = new FileInfo(Path.Combine(root, row.File));
                if (info.Length <= 64 << 10) files.Add(File.ReadAllBytes(info.FullName));
            }
        }
        else if (format is "png" or "jpeg")
        {
            SampleFiles.RequireRoot(); // skips, or fails under FACEPARSE_REQUIRE_DATA=1
        }
        var rgb = TestImages.Photo(23, 17, 3);
        switch (format)
        {
            case "png":
                for (int c = 1; c <= 4; c++) files.Add(PngEncoder.Encode(TestImages.Photo(19, 13, c, seed: c)));
                foreach (int c in new[] { 1, 3, 4 }) files.Add(PngEncoder.Encode(TestImages.Photo16(11, 7, c)));
                files.Add(PngEncoder.Encode(new PaletteImage(21, 9, TestImages.Labels(21, 9, 11), TestImages.LabelPaletteRgb(11), [0, 128, 255])));
                files.Add(PngEncoder.Encode(TestImages.Photo(64, 48, 3), new PngEncodeOptions { Filter = PngFilterMode.Paeth }));
                break;
            case "jpeg":
                files.Add(JpegEncoder.Encode(rgb, 90, JpegSubsampling.S420));
                files.Add(JpegEncoder.Encode(TestImages.Photo(40, 24, 3), 75, JpegSubsampling.S444));
                files.Add(JpegEncoder.Encode(TestImages.Photo(17, 33, 1), 90, JpegSubsampling.S420));
                break;
            case "bmp":
                files.Add(BmpEncoder.Encode(rgb));
                files.Add(BmpEncoder.Encode(TestImages.Photo(13, 11, 4)));
                files.Add(BmpEncoder.Encode(TestImages.Photo(9, 5, 1)));
                files.Add(BmpEncoder.Encode(new PaletteImage(21, 9, TestImages.Labels(21, 9, 11), TestImages.LabelPaletteRgb(11))));
                files.Add(BmpEncoder.Encode(new PaletteImage(7, 6, TestImages.Labels(7, 6, 5), TestImages.LabelPaletteRgb(5)), topDown: true));
                break;
            default:
                for (int c = 1; c <= 4; c++) files.Add(PnmEncoder.Encode(TestImages.Photo(15, 9, c, seed: c)));
                files.Add(PnmEncoder.Encode(TestImages.Photo16(7, 5, 3)));
                files.Add(PnmEncoder.Encode(TestImages.Photo16(6, 4, 2), forcePam: true));
                files.Add([.. Encoding.ASCII.GetBytes("P5\n# a comment\n4 3\n1000\n"), .. Enumerable.Range(0, 24).Select(i => (byte)(i % 4))]);
                files.Add([.. Encoding.ASCII.GetBytes("P7\nWIDTH 3\nHEIGHT 2\nDEPTH 1\nMAXVAL 15\nTUPLTYPE GRAYSCALE\nENDHDR\n"), 1, 2, 3, 4, 5, 15]);
                break;
        }
        return files;
    }
}
