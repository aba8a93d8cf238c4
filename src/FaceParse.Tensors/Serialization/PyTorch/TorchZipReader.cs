using System.IO.Compression;

namespace FaceParse.Tensors.Serialization.PyTorch;

// The zip format of torch.save (PyTorch >= 1.6): <root>/data.pkl (the object pickle), <root>/data/<key> (raw little-endian
// storages), <root>/byteorder, <root>/version, <root>/.data/serialization_id; any root folder name.
internal static class TorchZipReader
{
    public static TorchCheckpoint Read(Stream stream, string file, bool readData, CheckpointLimits limits)
    {
        using var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        var entries = new Dictionary<string, ZipArchiveEntry>(StringComparer.Ordinal);
        foreach (var e in zip.Entries) entries.TryAdd(e.FullName, e);
        if (entries.Keys.Any(n => n.EndsWith("/constants.pkl", StringComparison.Ordinal) || n.Contains("/code/", StringComparison.Ordinal)))
            throw new InvalidDataException($"{file}: a TorchScript archive (torch.jit.save). TorchScript is not supported: save the module's state_dict() with torch.save instead.");
        var pickles = entries.Keys.Where(n => n.EndsWith("/data.pkl", StringComparison.Ordinal) && n.IndexOf('/') == n.Length - "/data.pkl".Length).ToList();
        if (pickles.Count != 1)
            throw new InvalidDataException($"{file}: a zip file but not a torch.save checkpoint ({(pickles.Count == 0 ? "no <root>/data.pkl entry" : "several data.pkl entries")}).");
        string root = pickles[0][..^"data.pkl".Length];
        if (entries.TryGetValue(root + "byteorder", out var order))
        {
            string text = System.Text.Encoding.ASCII.GetString(ReadEntry(order, file, 64, limits));
            if (text != "little") throw new InvalidDataException($"{file}: byteorder '{text}' is not supported (only little-endian checkpoints are).");
        }

        var pickle = ReadEntry(entries[pickles[0]], file, limits.MaxPickleBytes, limits);
        var storages = new Dictionary<string, TorchStorage>(StringComparer.Ordinal);
        var machine = new PickleMachine(pickle, file, limits, pid => LoadStorage(pid, storages, entries, root, file, limits));
        var value = machine.Run();

        long total = 0;
        if (readData)
        {
            foreach (var storage in storages.Values)
            {
                total += storage.ByteLength;
                if (total > limits.MaxTotalTensorBytes)
                    throw new InvalidDataException($"{file}: the storages hold more than the {limits.MaxTotalTensorBytes}-byte limit.");
                storage.Bytes = ReadEntry(entries[root + "data/" + storage.Key], file, limits.MaxTotalTensorBytes - total + storage.ByteLength, limits);
            }
        }
        return new TorchCheckpoint(file, CheckpointFormat.Zip, value, storages.Values.ToList(), machine.Globals, machine.Opcodes, readData);
    }

    // ('storage', storage_type, key, location, numel): the storage's entry must exist and hold numel elements.
    private static TorchStorage LoadStorage(object? pid, Dictionary<string, TorchStorage> storages, Dictionary<string, ZipArchiveEntry> entries,
        string root, string file, CheckpointLimits limits)
    {
        if (pid is not PickleTuple { Count: 5 } t || t[0] is not "storage" || t[2] is not string key || t[4] is not long numel)
            throw new InvalidDataException($"{file}: persistent id {PickleMachine.Describe(pid)} is not ('storage', type, key, location, numel).");
        var dtype = PickleGlobals.StorageDType(t[1])
            ?? throw new InvalidDataException($"{file}: storage '{key}' has type {PickleMachine.Describe(t[1])}, not a storage class.");
        if (storages.TryGetValue(key, out var known))
        {
            if (known.DType != dtype || known.Numel != numel) throw new InvalidDataException($"{file}: storage '{key}' is described twice differently.");
            return known;
        }
        if (numel < 0 || numel > limits.MaxTotalTensorBytes / TorchDTypes.Size(dtype))
            throw new InvalidDataException($"{file}: storage '{key}' claims {numel} elements, over the {limits.MaxTotalTensorBytes}-byte limit.");
        if (!entries.TryGetValue(root + "data/" + key, out var entry))
            throw new InvalidDataException($"{file}: storage '{key}' has no entry {root}data/{key}.");
        long bytes = numel * TorchDTypes.Size(dtype);
        if (entry.Length < bytes)
            throw new InvalidDataException($"{file}: storage '{key}' claims {bytes} bytes ({numel} × {TorchDTypes.Name(dtype)}) but its entry holds {entry.Length}.");
        CheckEntry(entry, file, limits.MaxTotalTensorBytes, limits);
        var storage = new TorchStorage(key, dtype, numel);
        storages.Add(key, storage);
        return storage;
    }

    // Reads a whole entry whose declared size is at most max; refuses entries that inflate far beyond their compressed size
    // (zip bombs) or that produce more or fewer bytes than their header declares.
    private static byte[] ReadEntry(ZipArchiveEntry entry, string file, long max, CheckpointLimits limits)
    {
        long declared = entry.Length;
        CheckEntry(entry, file, max, limits);
        var buffer = new byte[declared];
        using var s = entry.Open();
        int read = s.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        if (read != declared) throw new InvalidDataException($"{file}: entry {entry.FullName} holds {read} bytes, its header declares {declared}.");
        if (s.ReadByte() >= 0) throw new InvalidDataException($"{file}: entry {entry.FullName} inflates past its declared {declared} bytes.");
        return buffer;
    }

    // Declared size within max and not inflating more than MaxCompressionRatio times (a zip bomb), checked without reading.
    private static void CheckEntry(ZipArchiveEntry entry, string file, long max, CheckpointLimits limits)
    {
        long declared = entry.Length;
        if (declared > max || declared > Array.MaxLength)
            throw new InvalidDataException($"{file}: entry {entry.FullName} declares {declared} bytes, over the {Math.Min(max, Array.MaxLength)}-byte limit.");
        if (declared > 1 << 20 && declared > entry.CompressedLength * limits.MaxCompressionRatio)
            throw new InvalidDataException($"{file}: entry {entry.FullName} would inflate {entry.CompressedLength} bytes to {declared} (a zip bomb?).");
    }
}
