using System.Buffers.Binary;

namespace FaceParse.Tensors.Serialization.PyTorch;

public enum CheckpointFormat { Zip, Legacy }

/// <summary>A PyTorch checkpoint (.pt/.pth written by torch.save) opened without running it: the unpickled value tree,
/// its storages, and which globals and opcodes the pickle used.</summary>
/// <remarks>Both torch.save formats are read (zip, PyTorch ≥ 1.6, any root folder; legacy, before 1.6). The pickle runs on
/// <see cref="PickleMachine"/>, which builds plain values only (see <see cref="PickleGlobals"/>). A disallowed global or
/// opcode throws <see cref="UnsafeCheckpointException"/> before any tensor data is read; malformed input and every limit of
/// <see cref="CheckpointLimits"/> throw <see cref="InvalidDataException"/> whose message starts with the file name.</remarks>
public sealed class TorchCheckpoint
{
    /// <summary>Where a training checkpoint keeps the weights, tried in this order before the root itself.</summary>
    public static IReadOnlyList<string> StateDictKeys { get; } = ["state_dict_backbone", "state_dict", "model"];

    internal TorchCheckpoint(string file, CheckpointFormat format, object? root, IReadOnlyList<TorchStorage> storages,
        IEnumerable<string> globals, IReadOnlyDictionary<string, int> opcodes, bool hasData)
    {
        File = file;
        Format = format;
        Root = root;
        Storages = storages;
        Globals = globals.ToList();
        Opcodes = opcodes;
        HasData = hasData;
    }

    public string File { get; }
    public CheckpointFormat Format { get; }
    /// <summary>The unpickled object: usually a dict (state dict or training checkpoint).</summary>
    public object? Root { get; }
    public IReadOnlyList<TorchStorage> Storages { get; }
    /// <summary>"module.name" of every global the pickle used (all on the allow-list).</summary>
    public IReadOnlyList<string> Globals { get; }
    /// <summary>Opcode names and counts.</summary>
    public IReadOnlyDictionary<string, int> Opcodes { get; }
    /// <summary>False when opened with readData: false (shapes and dtypes only).</summary>
    public bool HasData { get; }

    /// <summary>Opens <paramref name="path"/>; with <paramref name="readData"/> false only the pickle is read (storage sizes are still checked).</summary>
    /// <exception cref="UnsafeCheckpointException">The pickle names a global or opcode outside the allow-list.</exception>
    /// <exception cref="InvalidDataException">Not a checkpoint, malformed, or over a limit.</exception>
    public static TorchCheckpoint Load(string path, bool readData = true, CheckpointLimits? limits = null)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return Load(stream, path, readData, limits);
    }

    public static TorchCheckpoint Load(Stream stream, string name, bool readData = true, CheckpointLimits? limits = null)
    {
        try { return LoadCore(stream, name, readData, limits ?? CheckpointLimits.Default); }
        catch (InvalidDataException e) when (!e.Message.StartsWith(name + ":", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{name}: {e.Message}", e);
        }
    }

    private static TorchCheckpoint LoadCore(Stream stream, string name, bool readData, CheckpointLimits limits)
    {
        Span<byte> head = stackalloc byte[16];
        int n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        head = head[..n];
        if (stream.CanSeek) stream.Position -= n;
        else throw new ArgumentException("TorchCheckpoint.Load needs a seekable stream.", nameof(stream));
        if (head.StartsWith("PK\u0003\u0004"u8))
            return TorchZipReader.Read(stream, name, readData, limits);
        if (head.Length >= 4 && head[0] == 0x80 && head[1] <= 5 && head[2] == 0x8a && head[3] == 0x0a)
        {
            long length = stream.Length - stream.Position;
            if (length > Array.MaxLength) throw new InvalidDataException($"{name}: legacy checkpoints over 2 GB are not supported.");
            var bytes = new byte[length];
            stream.ReadExactly(bytes);
            return TorchLegacyReader.Read(bytes, name, readData, limits);
        }
        throw new InvalidDataException($"{name}: {Identify(head)}");
    }

    private static string Identify(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 9 && head[8] == (byte)'{' && BinaryPrimitives.ReadUInt64LittleEndian(head) < 100_000_000)
            return "this is a safetensors file, not a PyTorch checkpoint: use it directly.";
        if (head.Length > 0 && head[0] == 0x80)
            return "a bare pickle, not a torch.save checkpoint (zip or legacy format); save it with torch.save(model.state_dict(), path).";
        if (head.Length == 0)
            return "empty file, not a PyTorch checkpoint.";
        return "not a PyTorch checkpoint (expected a torch.save zip archive or the legacy format).";
    }

    /// <summary>The dict holding the weights: <paramref name="key"/> (a dotted path of dict keys) when given, else the first of
    /// <see cref="StateDictKeys"/> that is a dict holding tensors, else the root.</summary>
    /// <exception cref="KeyNotFoundException">The key is absent or no dict of tensors is found (the message lists the top-level keys).</exception>
    public PickleDict FindStateDict(string? key = null)
    {
        if (!string.IsNullOrEmpty(key))
        {
            object? node = Root;
            foreach (var part in key.Split('.'))
                node = node is PickleDict d && d.TryGetValue(part, out var child) ? child
                    : throw new KeyNotFoundException($"{File}: no '{key}' in the checkpoint (top-level keys: {TopKeys()}).");
            return node as PickleDict ?? throw new KeyNotFoundException($"{File}: '{key}' is a {PickleMachine.Describe(node)}, not a dict.");
        }
        if (Root is PickleDict root)
        {
            foreach (var candidate in StateDictKeys)
                if (root.TryGetValue(candidate, out var v) && v is PickleDict d && PickleTree.Tensors(d).Any()) return d;
            if (PickleTree.Tensors(root).Any()) return root;
        }
        throw new KeyNotFoundException($"{File}: no state dict found (top-level keys: {TopKeys()}); name one with --key.");
    }

    /// <summary>Tensors of the state dict by key path, with <paramref name="stripPrefix"/> removed from keys that start with it.</summary>
    /// <exception cref="InvalidDataException">Removing the prefix makes two keys collide.</exception>
    public OrderedDictionary<string, TorchTensor> StateDict(string? key = null, string? stripPrefix = null)
    {
        var result = new OrderedDictionary<string, TorchTensor>(StringComparer.Ordinal);
        foreach (var (path, tensor) in PickleTree.Tensors(FindStateDict(key)))
        {
            string name = !string.IsNullOrEmpty(stripPrefix) && path.StartsWith(stripPrefix, StringComparison.Ordinal) ? path[stripPrefix.Length..] : path;
            if (!result.TryAdd(name, tensor))
                throw new InvalidDataException($"{File}: key '{path}' becomes '{name}' after removing '{stripPrefix}', which is already present.");
        }
        return result;
    }

    /// <summary><see cref="StateDict"/> converted to float32 tensors (integers exact below 2^24; use
    /// <see cref="TorchTensor.ToInt64Array"/> for exact int64 values).</summary>
    public Dictionary<string, Tensor> ToTensors(string? key = null, string? stripPrefix = null)
    {
        if (!HasData) throw new InvalidOperationException($"{File} was opened without data.");
        return StateDict(key, stripPrefix).ToDictionary(p => p.Key, p => p.Value.ToTensor(), StringComparer.Ordinal);
    }

    private string TopKeys() => Root is PickleDict d
        ? string.Join(", ", d.Items.Keys.Take(20).Select(k => k.ToString())) + (d.Count > 20 ? ", …" : "")
        : $"the root is a {PickleMachine.Describe(Root)}";
}
