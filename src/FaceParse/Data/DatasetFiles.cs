namespace FaceParse.Data;

/// <summary>File-system helpers shared by the layouts: required folders, files by stem, split files, and a description of what a
/// folder holds (for error messages).</summary>
internal static class DatasetFiles
{
    /// <summary>Extensions accepted for photos.</summary>
    public static IReadOnlyList<string> ImageExtensions { get; } = [".jpg", ".jpeg", ".png"];

    /// <summary>The folder, or a <see cref="DatasetLayoutException"/> saying which layout expected it and what the parent holds.</summary>
    public static string RequireFolder(string parent, string name, string layout, string expectation)
    {
        string path = Path.Combine(parent, name);
        if (Directory.Exists(path)) return path;
        throw new DatasetLayoutException($"{layout} layout: expected folder {path} ({expectation}); {Describe(parent)}", path);
    }

    /// <summary>The file, or a <see cref="DatasetLayoutException"/> saying what it is for.</summary>
    public static string RequireFile(string path, string layout, string expectation)
    {
        if (File.Exists(path)) return path;
        string parent = Path.GetDirectoryName(Path.GetFullPath(path)) ?? path;
        throw new DatasetLayoutException($"{layout} layout: expected file {path} ({expectation}); {Describe(parent)}", path);
    }

    /// <summary>Files in <paramref name="folder"/> whose name ends with <paramref name="suffix"/> (case-insensitive), by stem = the
    /// name without that suffix. Two files with one stem (e.g. a.jpg and a.png) are an error.</summary>
    public static Dictionary<string, string> ByStem(string folder, IEnumerable<string> suffixes, string layout)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var suffixList = suffixes.ToList();
        foreach (var file in Directory.EnumerateFiles(folder))
        {
            string name = Path.GetFileName(file);
            string? suffix = suffixList.FirstOrDefault(s => name.EndsWith(s, StringComparison.OrdinalIgnoreCase) && name.Length > s.Length);
            if (suffix is null) continue;
            string stem = name[..^suffix.Length];
            if (!result.TryAdd(stem, file))
                throw new DatasetLayoutException($"{layout} layout: two files for sample '{stem}' in {folder}: {Path.GetFileName(result[stem])} and {name}.", file);
        }
        return result;
    }

    /// <summary>Sample ids of a split file: one per line; surrounding blanks trimmed; blank lines and lines starting with '#'
    /// ignored; a duplicate id is an error.</summary>
    public static IReadOnlyList<string> ReadSplitFile(string path)
    {
        if (!File.Exists(path)) throw new DatasetLayoutException($"Split file {path} not found (expected one sample id per line).", path);
        var stems = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int lineNumber = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNumber++;
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            if (!seen.Add(line)) throw new DatasetLayoutException($"Split file {path}, line {lineNumber}: '{line}' is listed twice.", path);
            stems.Add(line);
        }
        if (stems.Count == 0) throw new DatasetLayoutException($"Split file {path} lists no sample ids.", path);
        return stems;
    }

    /// <summary>Which known layout a folder looks like, or null.</summary>
    public static string? DetectLayout(string root)
    {
        bool Dir(params string[] parts) => Directory.Exists(Path.Combine([root, .. parts]));
        if (Dir("CelebA-HQ-img") || Dir("CelebAMask-HQ-mask-anno")) return "celebamask-hq";
        if (Dir("images") && Dir("masks")) return "folder";
        if (new[] { "train", "val", "test" }.Any(s => Dir(s, "images") && Dir(s, "labels"))) return "lapa";
        if (new[] { "train", "test" }.Any(s => Dir(s) && Directory.EnumerateFiles(Path.Combine(root, s), "*_label.png").Any())) return "helen";
        return null;
    }

    /// <summary>"found: a/, b/, c.txt" (first 12 entries) plus a hint when the folder looks like another layout.</summary>
    public static string Describe(string folder)
    {
        if (!Directory.Exists(folder)) return $"{folder} does not exist.";
        var entries = Directory.EnumerateFileSystemEntries(folder).Order(StringComparer.Ordinal).Take(13)
            .Select(e => Path.GetFileName(e) + (Directory.Exists(e) ? "/" : "")).ToList();
        string found = entries.Count == 0 ? $"{folder} is empty." : $"found in {folder}: {string.Join(", ", entries.Take(12))}{(entries.Count > 12 ? ", ..." : "")}.";
        string? layout = DetectLayout(folder);
        return layout is null ? found : $"{found} This looks like the '{layout}' layout; open it with that layout instead.";
    }
}
