namespace FaceParse.Cli;

/// <summary>The files of one image, written all or nothing: every file is first written under a temporary name beside
/// its target, then all are renamed into place; a failure at any step removes what this call wrote and puts back the
/// files it was replacing, so the folder holds either every new output of the image or none of them.</summary>
internal static class OutputSet
{
    /// <summary>Writes every (path, bytes); on failure throws an <see cref="IOException"/> naming the target that failed.</summary>
    public static void Write(IReadOnlyList<(string Path, byte[] Bytes)> files)
    {
        string tag = $"{Environment.ProcessId}.{Guid.NewGuid():N}";
        var temps = new List<string>();
        var committed = new List<(string Target, string? Backup)>();
        string current = files.Count > 0 ? files[0].Path : "";
        try
        {
            foreach (var (path, _) in files)
            {
                current = path;
                if (Directory.Exists(path)) throw new IOException("the name is taken by a folder");
            }
            foreach (var (path, bytes) in files)
            {
                current = path;
                string temp = Sibling(path, tag, ".tmp");
                temps.Add(temp);
                File.WriteAllBytes(temp, bytes);
            }
            for (int i = 0; i < files.Count; i++)
            {
                current = files[i].Path;
                string? backup = null;
                if (File.Exists(current))
                {
                    backup = Sibling(current, tag, ".bak");
                    File.Move(current, backup);
                }
                committed.Add((current, backup));
                File.Move(temps[i], current);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            RollBack(temps, committed);
            string reason = temps.Aggregate(e.Message, (m, t) => m.Replace(t, current));
            throw new IOException($"{current}: cannot write ({reason}); no output of this image was kept", e);
        }
        foreach (var (_, backup) in committed)
            if (backup is not null) TryDelete(backup);
    }

    // .<name>.<tag><suffix> in the target's folder
    private static string Sibling(string path, string tag, string suffix) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $".{Path.GetFileName(path)}.{tag}{suffix}");

    private static void RollBack(List<string> temps, List<(string Target, string? Backup)> committed)
    {
        for (int i = committed.Count - 1; i >= 0; i--)
        {
            var (target, backup) = committed[i];
            bool placed = i < committed.Count - 1 || !File.Exists(temps[i]); // the last one may have failed before its move
            if (placed) TryDelete(target);
            if (backup is not null)
            {
                try { File.Move(backup, target, overwrite: true); }
                catch (IOException) { }
            }
        }
        foreach (string temp in temps) TryDelete(temp);
    }

    private static void TryDelete(string path)
    {
        try { if (File.Exists(path)) File.Delete(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
