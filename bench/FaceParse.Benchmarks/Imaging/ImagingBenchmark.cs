using System.Diagnostics;
using FaceParse.Imaging.Jpeg;
using FaceParse.Imaging.Netpbm;
using FaceParse.Imaging.Png;

using FaceParse.Imaging;

namespace FaceParse.Benchmarks.Imaging;

/// <summary>One measured task. Reference figures are null when no reference tool ran for the row.</summary>
/// <param name="MpPerSecond">Megapixels per second of our codec: median over the timed repeats after warm-up.</param>
/// <param name="ReferenceMpPerSecond">The reference tool's speed with its process start-up subtracted.</param>
/// <param name="Ratio">MpPerSecond / ReferenceMpPerSecond (above 1: we are faster).</param>
public sealed record ImagingBenchmarkRow(string Task, string File, double Megapixels, double MpPerSecond,
    string? Reference, double? ReferenceMpPerSecond, double? Ratio);

/// <summary>The rows, plus notes on what was skipped or could not be compared.</summary>
public sealed record ImagingBenchmarkResult(IReadOnlyList<ImagingBenchmarkRow> Rows, IReadOnlyList<string> Notes);

/// <summary>Sizes and repeat counts; <see cref="Quick"/> is a smoke-test configuration (small images, few repeats).</summary>
public sealed record ImagingBenchmarkOptions
{
    public static ImagingBenchmarkOptions Full { get; } = new();
    public static ImagingBenchmarkOptions Quick { get; } = new() { PhotoSize = 256, PaletteSize = 128, Warmup = 1, Repeats = 3, ReferenceRepeats = 3 };

    public int PhotoSize { get; init; } = 1024;
    public int PaletteSize { get; init; } = 512;
    public int Warmup { get; init; } = 3;
    public int Repeats { get; init; } = 15;
    public int ReferenceRepeats { get; init; } = 15;
}

/// <summary>`bench imaging`: decode speed of a baseline 4:2:0 JPEG (our encoder, q90), a progressive JPEG (cjpeg) and an
/// RGB PNG, encode speed of a palette PNG; JPEG rows are compared with djpeg timed on the same file in the same run.</summary>
public static class ImagingBenchmark
{
    public static ImagingBenchmarkResult Run(ImagingBenchmarkOptions options)
    {
        var rows = new List<ImagingBenchmarkRow>();
        var notes = new List<string>();
        string dir = Directory.CreateTempSubdirectory("faceparse-bench-imaging-").FullName;
        try
        {
            var photo = BenchImages.Photo(options.PhotoSize, options.PhotoSize);
            int n = options.PhotoSize;
            var jpegs = new List<(string Name, byte[] Bytes)> { ($"baseline-420-q90-{n}.jpg", JpegEncoder.Encode(photo, 90, JpegSubsampling.S420)) };
            if (Progressive(photo, dir, n, notes) is { } progressive) jpegs.Add(progressive);
            string? djpeg = ExternalTool.Find("djpeg");
            double? startup = djpeg is null ? null : StartupSeconds(djpeg, dir, options);
            if (djpeg is null) notes.Add("djpeg not on PATH: JPEG rows have no reference");
            foreach (var (name, bytes) in jpegs)
            {
                var row = Measure("decode", name, n, n, options, () => ImageCodec.Decode(bytes));
                string path = Path.Combine(dir, name);
                File.WriteAllBytes(path, bytes);
                rows.Add(djpeg is null ? row : WithReference(row, djpeg, path, startup!.Value, options, notes));
            }
            var png = PngEncoder.Encode(photo);
            rows.Add(Measure("decode", $"rgb-{n}.png", n, n, options, () => ImageCodec.Decode(png)));
            var labels = BenchImages.Labels(options.PaletteSize, options.PaletteSize);
            rows.Add(Measure("encode", $"palette-{options.PaletteSize}.png", labels.Width, labels.Height, options, () => PngEncoder.Encode(labels)));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
        return new ImagingBenchmarkResult(rows, notes);
    }

    /// <summary>The photo encoded by `cjpeg -progressive` (q90, its default 4:2:0), or null with a note when cjpeg is absent.</summary>
    private static (string, byte[])? Progressive(Image photo, string dir, int n, List<string> notes)
    {
        string? cjpeg = ExternalTool.Find("cjpeg");
        if (cjpeg is null)
        {
            notes.Add("cjpeg not on PATH: progressive JPEG row skipped");
            return null;
        }
        string ppm = Path.Combine(dir, "photo.ppm"), output = Path.Combine(dir, "progressive.jpg");
        File.WriteAllBytes(ppm, PnmEncoder.Encode(photo));
        ExternalTool.RunTimed(cjpeg, "-quality", "90", "-sample", "2x2", "-progressive", "-outfile", output, ppm);
        return ($"progressive-420-q90-{n}.jpg", File.ReadAllBytes(output));
    }

    /// <summary>Median whole-process time of djpeg on a 1×1 JPEG: its start-up and exit cost.</summary>
    private static double StartupSeconds(string djpeg, string dir, ImagingBenchmarkOptions options)
    {
        string tiny = Path.Combine(dir, "1x1.jpg");
        File.WriteAllBytes(tiny, JpegEncoder.Encode(new Image(1, 1, 3, [128, 128, 128]), 90));
        return Median(Repeat(options.Warmup, options.ReferenceRepeats, () => ExternalTool.RunTimed(djpeg, "-outfile", "/dev/null", tiny)));
    }

    private static ImagingBenchmarkRow WithReference(ImagingBenchmarkRow row, string djpeg, string path, double startup,
        ImagingBenchmarkOptions options, List<string> notes)
    {
        double whole = Median(Repeat(options.Warmup, options.ReferenceRepeats, () => ExternalTool.RunTimed(djpeg, "-outfile", "/dev/null", path)));
        double work = whole - startup;
        if (work <= 0.05 * whole)
        {
            notes.Add($"{row.File}: djpeg took {whole * 1e3:F2} ms, within start-up ({startup * 1e3:F2} ms); no ratio");
            return row with { Reference = "djpeg" };
        }
        double reference = row.Megapixels / work;
        return row with { Reference = "djpeg", ReferenceMpPerSecond = reference, Ratio = row.MpPerSecond / reference };
    }

    private static ImagingBenchmarkRow Measure(string task, string file, int width, int height, ImagingBenchmarkOptions options, Action run)
    {
        double megapixels = width * (double)height / 1e6;
        double seconds = Median(Repeat(options.Warmup, options.Repeats, () =>
        {
            var clock = Stopwatch.StartNew();
            run();
            return clock.Elapsed.TotalSeconds;
        }));
        return new ImagingBenchmarkRow(task, file, megapixels, megapixels / seconds, null, null, null);
    }

    private static List<double> Repeat(int warmup, int repeats, Func<double> timed)
    {
        for (int i = 0; i < warmup; i++) timed();
        return [.. Enumerable.Range(0, repeats).Select(_ => timed())];
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        int mid = values.Count / 2;
        return values.Count % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }
}
