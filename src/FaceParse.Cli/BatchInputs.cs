namespace FaceParse.Cli;

/// <summary>One input of a batch: its path relative to the root (the key that decides its shard, its outputs' place
/// under <c>-o</c> and its manifest record) and the file it names.</summary>
internal sealed record BatchInput(string Relative, string FullPath)
{
    /// <summary>The folder under the output root that receives this input's outputs ("" for the root itself).</summary>
    public string RelativeFolder => Path.GetDirectoryName(Relative)?.Replace('\\', '/') ?? "";
}

/// <summary>The whole input list of a batch, identical on every worker: paths from <c>--inputs FILE</c> (one per line,
/// relative to <c>--root</c>; blank lines and lines starting with '#' ignored) and the files, folders and globs named on
/// the command line, each made relative to <c>--root</c> (default: the current folder), '/'-separated, duplicates dropped,
/// sorted ordinally. Paths outside the root, or inside <c>-o</c>'s <c>_manifest</c> name, are problems.</summary>
internal static class BatchInputs
{
    public static (IReadOnlyList<BatchInput> Inputs, IReadOnlyList<string> Problems) Build(string? inputsFile, string? root, IReadOnlyList<string> arguments)
    {
        string rootPath = Path.GetFullPath(root ?? ".");
        if (!Directory.Exists(rootPath)) throw new ArgumentException($"--root {root}: no such folder");
        var byKey = new SortedDictionary<string, BatchInput>(StringComparer.Ordinal);
        var problems = new List<string>();
        void Add(string path, string shown)
        {
            string full = Path.GetFullPath(path, rootPath);
            string relative = Path.GetRelativePath(rootPath, full);
            if (relative == "." || relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative))
            {
                problems.Add($"{shown}: is outside --root {rootPath}");
                return;
            }
            string key = Sharding.Key(relative);
            if (key.Split('/')[0] == Manifest.FolderName) problems.Add($"{shown}: the name {Manifest.FolderName} is reserved for the manifest");
            else byKey.TryAdd(key, new BatchInput(key, full));
        }
        if (inputsFile is not null)
        {
            if (!File.Exists(inputsFile)) throw new ArgumentException($"--inputs {inputsFile}: no such file");
            int number = 0;
            foreach (string raw in File.ReadLines(inputsFile))
            {
                number++;
                string line = raw.TrimEnd('\r');
                if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#')) continue;
                Add(line, $"{inputsFile}:{number}: {line}");
            }
        }
        if (arguments.Count > 0)
        {
            var (files, missing) = SegmentInputs.Expand(arguments);
            problems.AddRange(missing);
            foreach (string file in files) Add(Path.GetFullPath(file), file);
        }
        return ([.. byKey.Values], problems);
    }

    /// <summary>Output stems, a pure function of the whole list: within each folder, <see cref="SegmentInputs.Stems"/> over
    /// the folder's inputs in key order (<c>a.jpg</c>, <c>a.png</c> → <c>a</c>, <c>a.png</c>).</summary>
    public static IReadOnlyDictionary<string, string> Stems(IReadOnlyList<BatchInput> all)
    {
        var stems = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var folder in all.GroupBy(i => i.RelativeFolder, StringComparer.Ordinal))
        {
            var members = folder.ToList();
            var names = SegmentInputs.Stems([.. members.Select(m => Path.GetFileName(m.Relative))]);
            for (int i = 0; i < members.Count; i++) stems[members[i].Relative] = names[i];
        }
        return stems;
    }
}
