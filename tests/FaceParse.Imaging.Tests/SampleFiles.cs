namespace FaceParse.Imaging.Tests;

/// <summary>One row of shared/imaging-samples/manifest.tsv.</summary>
public sealed record SampleRow(string File, string Format, string Expect, string? Reference);

/// <summary>Locates shared/imaging-samples by walking up from the test assembly; skips (or fails with FACEPARSE_REQUIRE_DATA=1) when absent.</summary>
public static class SampleFiles
{
    public static bool DataRequired => Environment.GetEnvironmentVariable("FACEPARSE_REQUIRE_DATA") == "1";

    /// <summary>The samples folder, or null when no ancestor of the test assembly holds shared/imaging-samples.</summary>
    public static string? Root { get; } = FindRoot();

    public static IReadOnlyList<SampleRow> Rows { get; } = ReadManifest();

    private static string? FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "imaging-samples");
            if (File.Exists(Path.Combine(candidate, "manifest.tsv"))) return candidate;
        }
        return null;
    }

    private static List<SampleRow> ReadManifest()
    {
        if (Root is null) return [];
        var lines = File.ReadAllLines(Path.Combine(Root, "manifest.tsv"));
        var columns = lines[0].Split('\t');
        int Column(string name) => Array.IndexOf(columns, name);
        int file = Column("file"), format = Column("format"), expect = Column("expect"), reference = Column("ref");
        return [.. lines.Skip(1).Where(l => l.Length > 0).Select(l => l.Split('\t'))
            .Select(c => new SampleRow(c[file], c[format], c[expect], c[reference].Length == 0 ? null : c[reference]))];
    }

    /// <summary>Absolute path of a sample; skips or fails the test when the samples are missing.</summary>
    public static string PathOf(string relative)
    {
        if (Root is null)
        {
            const string message = "shared/imaging-samples not found above the test assembly directory (expected /work/shared/imaging-samples)";
            if (DataRequired) Assert.Fail(message + "; FACEPARSE_REQUIRE_DATA=1");
            Assert.Skip(message);
        }
        return Path.Combine(Root, relative);
    }

    /// <summary>Theory rows (file names) of one format; a single placeholder row when the samples are absent, so the skip shows.</summary>
    public static TheoryData<string> Files(string format)
    {
        var data = new TheoryData<string>();
        foreach (var row in Rows.Where(r => r.Format == format)) data.Add(row.File);
        if (data.Count == 0) data.Add("(samples missing)");
        return data;
    }

    public static SampleRow Row(string file) => Rows.Single(r => r.File == file);
}
