namespace FaceParse.Imaging.Tests.Jpeg;

/// <summary>One JPEG row of shared/imaging-samples/manifest.tsv.</summary>
public sealed record JpegSample(string File, string Expect, string Reference, string[] ExtraRefs, int Orientation)
{
    public override string ToString() => File;

    /// <summary>The reference a decoder without block smoothing should match with default options (auto-orient on).</summary>
    public string? DefaultReference =>
        ExtraRefs.FirstOrDefault(r => r.Contains(".oriented."))
        ?? ExtraRefs.FirstOrDefault(r => r.EndsWith(".noblocksmooth.ppm") && !r.Contains(".nosmooth."))
        ?? (Reference.Length > 0 ? Reference : null);
}

/// <summary>Locates /work/shared/imaging-samples (walking up from the test assembly) and reads its manifest.</summary>
public static class SampleData
{
    public const string MissingRow = "(imaging samples not found)";

    public static string? Root { get; } = FindRoot();

    private static string? FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "imaging-samples");
            if (File.Exists(Path.Combine(candidate, "manifest.tsv"))) return candidate;
        }
        return null;
    }

    /// <summary>Skips the test (or fails it when FACEPARSE_REQUIRE_DATA=1) when the samples are absent; returns the root.</summary>
    public static string RequireRoot()
    {
        if (Root is not null) return Root;
        const string message = "shared/imaging-samples not found next to any ancestor of the test directory";
        if (Environment.GetEnvironmentVariable("FACEPARSE_REQUIRE_DATA") == "1") Assert.Fail(message + " (FACEPARSE_REQUIRE_DATA=1)");
        Assert.Skip(message);
        return "";
    }

    public static IReadOnlyList<JpegSample> JpegSamples { get; } = Load();

    private static List<JpegSample> Load()
    {
        if (Root is null) return [];
        var rows = new List<JpegSample>();
        foreach (string line in System.IO.File.ReadLines(Path.Combine(Root, "manifest.tsv")).Skip(1))
        {
            string[] f = line.Split('\t');
            if (f.Length < 20 || f[1] != "jpeg") continue;
            string[] extras = f[19].Split(';', StringSplitOptions.RemoveEmptyEntries);
            rows.Add(new JpegSample(f[0], f[3], f[17], extras, int.TryParse(f[15], out int o) ? o : 1));
        }
        return rows;
    }

    /// <summary>Theory rows: one per JPEG file name (optionally filtered), or a single placeholder that skips when the
    /// samples are absent.</summary>
    public static TheoryData<string> JpegFiles(Func<JpegSample, bool>? filter = null)
    {
        var data = new TheoryData<string>();
        if (JpegSamples.Count == 0) data.Add(MissingRow);
        foreach (var s in JpegSamples)
            if (filter is null || filter(s)) data.Add(s.File);
        return data;
    }

    public static JpegSample Get(string file)
    {
        RequireRoot();
        if (file == MissingRow) Assert.Fail("samples present but no JPEG rows in manifest.tsv");
        return JpegSamples.Single(s => s.File == file);
    }

    public static byte[] Bytes(string relative) => System.IO.File.ReadAllBytes(Path.Combine(RequireRoot(), relative));
}
