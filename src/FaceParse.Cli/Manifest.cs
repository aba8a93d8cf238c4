using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FaceParse.Cli;

/// <summary>One line of <c>OUT/_manifest/shard-K-of-N.jsonl</c>. A file record has <see cref="Status"/> (started — written
/// before the parse, so an input in flight when a worker died is known —, then ok, skipped or failed); an event record has
/// <see cref="Event"/> (start, end). Timestamps are UTC ISO-8601: a file record's <see cref="Time"/> is when the worker took
/// the input up (its started and ok or failed records carry the same one; <see cref="Ms"/> is how long it took), an
/// event's when it happened. <see cref="MTime"/> is the input's last-write time in the same form (100 ns ticks), compared
/// exactly.</summary>
internal sealed record ManifestRecord
{
    [JsonPropertyName("event")] public string? Event { get; init; }
    [JsonPropertyName("status")] public string? Status { get; init; }
    [JsonPropertyName("path")] public string? Path { get; init; }
    [JsonPropertyName("error")] public string? Error { get; init; }
    [JsonPropertyName("error_kind")] public string? ErrorKind { get; init; }
    [JsonPropertyName("faces")] public int? Faces { get; init; }
    [JsonPropertyName("size")] public long? Size { get; init; }
    [JsonPropertyName("mtime")] public string? MTime { get; init; }
    [JsonPropertyName("sha256")] public string? Sha256 { get; init; }
    [JsonPropertyName("outputs")] public string[]? Outputs { get; init; }
    [JsonPropertyName("ms")] public double? Ms { get; init; }
    [JsonPropertyName("model")] public string? Model { get; init; }
    [JsonPropertyName("model_sha256")] public string? ModelSha256 { get; init; }
    [JsonPropertyName("settings")] public string? Settings { get; init; }
    [JsonPropertyName("shard")] public int Shard { get; init; }
    [JsonPropertyName("shards")] public int Shards { get; init; }
    [JsonPropertyName("pid")] public int Pid { get; init; }
    [JsonPropertyName("host")] public string? Host { get; init; }
    [JsonPropertyName("time")] public string? Time { get; init; }
    // start: the input list (a file beside the manifests), its length and this shard's share; end: the counts and exit code
    [JsonPropertyName("list")] public string? List { get; init; }
    [JsonPropertyName("inputs")] public int? Inputs { get; init; }
    [JsonPropertyName("assigned")] public int? Assigned { get; init; }
    [JsonPropertyName("ok")] public int? Ok { get; init; }
    [JsonPropertyName("skipped")] public int? Skipped { get; init; }
    [JsonPropertyName("failed")] public int? Failed { get; init; }
    [JsonPropertyName("exit")] public int? Exit { get; init; }

    [JsonIgnore] public bool IsFile => Status is not null && Path is not null;
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ManifestRecord))]
internal sealed partial class ManifestJson : JsonSerializerContext;

/// <summary>The manifest folder of an output root: per-shard JSON-lines files, appended one record at a time and flushed
/// to the disk after each (a kill loses at most the input in flight), and the input lists the runs were given.</summary>
internal static class Manifest
{
    public const string FolderName = "_manifest";

    public static string Folder(string outputRoot) => Path.Combine(outputRoot, FolderName);

    public static string ShardFile(string outputRoot, ShardSpec shard) => Path.Combine(Folder(outputRoot), $"shard-{shard.Index}-of-{shard.Count}.jsonl");

    public static string Now() => DateTime.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Every record of every shard file (any N); lines that do not parse — a line cut by a kill — are skipped.</summary>
    public static IEnumerable<(string File, ManifestRecord Record)> ReadAll(string outputRoot)
    {
        string folder = Folder(outputRoot);
        if (!Directory.Exists(folder)) yield break;
        foreach (string file in Directory.GetFiles(folder, "shard-*.jsonl").Order(StringComparer.Ordinal))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            while (reader.ReadLine() is { } line)
            {
                ManifestRecord? record = null;
                try { record = JsonSerializer.Deserialize(line, ManifestJson.Default.ManifestRecord); }
                catch (JsonException) { }
                if (record is not null) yield return (Path.GetFileName(file), record);
            }
        }
    }

    /// <summary>Writes the input list as <c>inputs-&lt;first 16 hex of its SHA-256&gt;.txt</c> unless present; returns the name.</summary>
    public static string SaveList(string outputRoot, IReadOnlyList<BatchInput> inputs)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(string.Concat(inputs.Select(i => i.Relative + "\n")));
        string name = $"inputs-{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes))[..16]}.txt";
        string path = Path.Combine(Folder(outputRoot), name);
        if (File.Exists(path)) return name;
        // every worker writes the same bytes: a private temporary name, then a rename over whatever is there
        string temp = Path.Combine(Folder(outputRoot), $".{name}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllBytes(temp, bytes);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
        return name;
    }

    public static IReadOnlyList<string> LoadList(string outputRoot, string name) =>
        [.. File.ReadAllLines(Path.Combine(Folder(outputRoot), name)).Where(l => l.Length > 0)];
}

/// <summary>Appends records to one shard file: one write of one whole line per record, then a flush to the disk.</summary>
internal sealed class ManifestWriter : IDisposable
{
    private readonly FileStream _stream;

    public ManifestWriter(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        _stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
    }

    public void Append(ManifestRecord record)
    {
        byte[] line = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(record, ManifestJson.Default.ManifestRecord) + "\n");
        _stream.Write(line);
        _stream.Flush(flushToDisk: true);
    }

    public void Dispose() => _stream.Dispose();
}
