namespace FaceParse.Imaging.Tests;

/// <summary>One row of shared/imaging-samples/manifest.tsv.</summary>
/// <param name="Reference">The primary reference decode (a PNM under refs/), or null.</param>
/// <param name="ExtraRefs">Further references, e.g. djpeg -nosmooth or auto-oriented decodes.</param>
/// <param name="Orientation">EXIF orientation (1 when absent).</param>
public sealed record SampleRow(string File, string Format, string Expect, string? Reference, string[] ExtraRefs, int Orientation)
{
    public override string ToString() => File;

    /// <summary>JPEG: the reference a decoder without block smoothing matches with default options (auto-orient on).</summary>
    public string? DefaultReference =>
        ExtraRefs.FirstOrDefault(r => r.Contains(".oriented."))
        ?? ExtraRefs.FirstOrDefault(r => r.EndsWith(".noblocksmooth.ppm") && !r.Contains(".nosmooth."))
        ?? Reference;
}

/// <summary>Locates shared/imaging-samples by walking up from the test assembly and reads its manifest; tests skip
/// (or fail with FACEPARSE_REQUIRE_DATA=1) when the samples are absent. Shared by the imaging and CLI tests.</summary>
public static class SampleFiles
{
    public const string MissingRow = "(samples missing)";

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
        int extras = Column("extra_refs"), orientation = Column("orientation");
        return [.. lines.Skip(1).Where(l => l.Length > 0).Select(l => l.Split('\t')).Select(c => new SampleRow(
            c[file], c[format], c[expect], c[reference].Length == 0 ? null : c[reference],
            c[extras].Split(';', StringSplitOptions.RemoveEmptyEntries), int.TryParse(c[orientation], out int o) ? o : 1))];
    }

    /// <summary>The samples folder; skips the test (or fails it when FACEPARSE_REQUIRE_DATA=1) when it is missing.</summary>
    public static string RequireRoot()
    {
        if (Root is not null) return Root;
        const string message = "shared/imaging-samples not found above the test assembly directory (expected /work/shared/imaging-samples)";
        if (DataRequired) Assert.Fail(message + "; FACEPARSE_REQUIRE_DATA=1");
        Assert.Skip(message);
        return "";
    }

    /// <summary>Absolute path of a sample (skips or fails the test when the samples are missing).</summary>
    public static string PathOf(string relative) => Path.Combine(RequireRoot(), relative);

    public static byte[] Bytes(string relative) => File.ReadAllBytes(PathOf(relative));

    /// <summary>Theory rows (file names) of one format, optionally filtered; a single placeholder row when the samples
    /// are absent, so the skip shows.</summary>
    public static TheoryData<string> Files(string format, Func<SampleRow, bool>? filter = null)
    {
        var data = new TheoryData<string>();
        foreach (var row in Rows.Where(r => r.Format == format && (filter is null || filter(r)))) data.Add(row.File);
        if (Rows.Count == 0) data.Add(MissingRow);
        return data;
    }

    /// <summary>The manifest row of a file (skips or fails first when the samples are missing).</summary>
    public static SampleRow Row(string file)
    {
        RequireRoot();
        return Rows.Single(r => r.File == file);
    }
}
