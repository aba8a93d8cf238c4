namespace FaceParse.Training;

/// <summary>Writes a file so that a crash or kill at any moment leaves either the old file or the complete new one: the
/// content goes to <c>&lt;path&gt;.tmp</c> in the same folder, is flushed to disk (fsync), then renamed over the target.</summary>
/// <remarks>A failure (disk full, permissions) deletes the temporary file, leaves the previous file byte-identical, and throws
/// an <see cref="IOException"/> whose message names the target and says the previous version is kept.</remarks>
internal static class AtomicFile
{
    /// <summary>Suffix of temporary files; leftovers from a killed run are removed by <see cref="CleanLeftovers"/>.</summary>
    public const string TempSuffix = ".tmp";

    /// <summary>Writes <paramref name="path"/> atomically with <paramref name="write"/>. <paramref name="openTemp"/> opens the
    /// temporary file for writing (tests inject failing streams; default: a new <see cref="FileStream"/>).</summary>
    public static void Write(string path, Action<Stream> write, Func<string, Stream>? openTemp = null)
    {
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string temp = full + TempSuffix;
        try
        {
            using (var stream = (openTemp ?? OpenFile)(temp))
            {
                write(stream);
                if (stream is FileStream file) file.Flush(flushToDisk: true);
                else stream.Flush();
            }
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw new IOException($"Could not write {full}: {e.Message} The previous version of the file (if any) is unchanged.", e);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Writes UTF-8 text atomically.</summary>
    public static void WriteText(string path, string text, Func<string, Stream>? openTemp = null) =>
        Write(path, stream =>
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(text);
            stream.Write(bytes);
        }, openTemp);

    /// <summary>Deletes leftover temporary files (<c>*.tmp</c>) in <paramref name="folder"/>; returns how many were removed.</summary>
    public static int CleanLeftovers(string folder)
    {
        if (!Directory.Exists(folder)) return 0;
        int removed = 0;
        foreach (var file in Directory.EnumerateFiles(folder, "*" + TempSuffix))
            if (TryDelete(file)) removed++;
        return removed;
    }

    private static Stream OpenFile(string path) => new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // a stale temp file is harmless: the next write overwrites it
        }
    }
}
