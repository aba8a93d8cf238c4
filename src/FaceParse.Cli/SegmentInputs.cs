namespace FaceParse.Cli;

/// <summary>The photos named on a `faceparse segment` command line: files, folders (their image files, not recursive) and
/// globs with <c>*</c>/<c>?</c> in the file-name part (<c>photos/*.jpg</c>). Names that match nothing become failures.</summary>
internal static class SegmentInputs
{
    /// <summary>Extensions a folder or a bare <c>*</c> glob picks up (case-insensitive).</summary>
    public static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png", ".bmp", ".ppm", ".pgm", ".pnm", ".pam"];

    /// <summary>The files in command-line order (each folder and glob sorted by name, duplicates dropped) and one message per
    /// argument that names nothing.</summary>
    public static (IReadOnlyList<string> Files, IReadOnlyList<string> Problems) Expand(IEnumerable<string> arguments)
    {
        var files = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (string argument in arguments)
        {
            var matches = Matches(argument);
            if (matches is null) problems.Add($"{argument}: no such file or folder");
            else if (matches.Count == 0) problems.Add($"{argument}: matches no image files");
            foreach (string file in matches ?? [])
                if (seen.Add(Path.GetFullPath(file))) files.Add(file);
        }
        return (files, problems);
    }

    /// <summary>Output stems: the file name without extension, or the whole file name when another input already took that stem
    /// (<c>a.jpg</c> and <c>a.png</c> give <c>a</c> and <c>a.png</c>), so no two inputs write the same outputs.</summary>
    public static IReadOnlyList<string> Stems(IReadOnlyList<string> files)
    {
        var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var stems = new List<string>(files.Count);
        foreach (string file in files)
        {
            string stem = Path.GetFileNameWithoutExtension(file);
            if (!used.Add(stem))
            {
                stem = Path.GetFileName(file);
                for (int n = 2; !used.Add(stem); n++) stem = $"{Path.GetFileName(file)}-{n}";
            }
            stems.Add(stem);
        }
        return stems;
    }

    // null: nothing by that name; otherwise the matching files
    private static List<string>? Matches(string argument)
    {
        if (File.Exists(argument)) return [argument];
        if (Directory.Exists(argument)) return ImagesIn(argument, "*");
        string pattern = Path.GetFileName(argument);
        if (pattern.IndexOfAny(['*', '?']) < 0) return null;
        string folder = Path.GetDirectoryName(argument) is { Length: > 0 } d ? d : ".";
        if (!Directory.Exists(folder)) return null;
        return pattern.Contains('.') ? Sorted(Directory.EnumerateFiles(folder, pattern)) : ImagesIn(folder, pattern);
    }

    private static List<string> ImagesIn(string folder, string pattern) =>
        Sorted(Directory.EnumerateFiles(folder, pattern).Where(f => ImageExtensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase)));

    private static List<string> Sorted(IEnumerable<string> files) => [.. files.Order(StringComparer.Ordinal)];
}
