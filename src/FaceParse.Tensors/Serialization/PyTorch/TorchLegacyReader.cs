using System.Buffers.Binary;
using System.Numerics;

namespace FaceParse.Tensors.Serialization.PyTorch;

// The legacy format of torch.save (before PyTorch 1.6): five pickles in a row — the magic number 0x1950a86a20f9469cfc6c,
// the protocol version (1001), a sys-info dict, the object pickle, the list of storage keys — then, for each key in that
// list, the storage as an int64 element count followed by its raw little-endian elements.
internal static class TorchLegacyReader
{
    public static readonly BigInteger Magic = BigInteger.Parse("119547037146038801333356", System.Globalization.CultureInfo.InvariantCulture);

    private sealed record View(string Root, long Offset, long Size);

    public static TorchCheckpoint Read(byte[] bytes, string file, bool readData, CheckpointLimits limits)
    {
        int pos = 0;
        var magic = Plain(bytes, ref pos, file, limits);
        if (!(magic is BigInteger m && m == Magic)) throw new InvalidDataException($"{file}: not a PyTorch legacy checkpoint (wrong magic number).");
        if (Plain(bytes, ref pos, file, limits) is not 1001L) throw new InvalidDataException($"{file}: legacy protocol version is not 1001.");
        if (Plain(bytes, ref pos, file, limits) is not PickleDict sysInfo) throw new InvalidDataException($"{file}: the sys-info record is not a dict.");
        if (sysInfo.TryGetValue("little_endian", out var little) && little is false)
            throw new InvalidDataException($"{file}: a big-endian checkpoint is not supported.");

        var storages = new Dictionary<string, TorchStorage>(StringComparer.Ordinal);
        var views = new Dictionary<TorchStorage, View>();
        var machine = new PickleMachine(Slice(bytes, pos, limits, file), file, limits, pid => LoadStorage(pid, storages, views, file, limits));
        var value = machine.Run();
        pos += machine.Position;
        if (Plain(bytes, ref pos, file, limits) is not PickleList keys || keys.Any(k => k is not string))
            throw new InvalidDataException($"{file}: the storage-key list is not a list of strings.");

        // Storage records in key-list order: int64 count, then count elements.
        var present = new Dictionary<string, (long Start, long Count)>(StringComparer.Ordinal);
        long p = pos;
        foreach (string key in keys.Cast<string>())
        {
            if (p + 8 > bytes.Length) throw new InvalidDataException($"{file}: storage '{key}' record is cut off at byte {p}.");
            long count = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan((int)p));
            int size = storages.TryGetValue(key, out var s) ? TorchDTypes.Size(s.DType) : 1;
            if (count < 0 || count > (bytes.Length - p - 8) / size)
                throw new InvalidDataException($"{file}: storage '{key}' claims {count} elements but only {bytes.Length - p - 8} bytes follow.");
            present[key] = (p + 8, count);
            p += 8 + count * size;
        }

        long total = 0;
        foreach (var storage in storages.Values.Where(st => !views.ContainsKey(st)))
        {
            if (!present.TryGetValue(storage.Key, out var at))
                throw new InvalidDataException($"{file}: storage '{storage.Key}' is not in the storage-key list.");
            if (at.Count < storage.Numel)
                throw new InvalidDataException($"{file}: storage '{storage.Key}' claims {storage.Numel} elements but its record holds {at.Count}.");
            total += storage.ByteLength;
            if (total > limits.MaxTotalTensorBytes) throw new InvalidDataException($"{file}: the storages hold more than the {limits.MaxTotalTensorBytes}-byte limit.");
            if (readData) storage.Bytes = bytes.AsSpan((int)at.Start, (int)storage.ByteLength).ToArray();
        }
        foreach (var (storage, view) in views)
        {
            var root = storages.GetValueOrDefault(view.Root) ?? throw new InvalidDataException($"{file}: storage view of unknown storage '{view.Root}'.");
            if (view.Offset < 0 || view.Size < 0 || view.Offset + view.Size > root.Numel || root.DType != storage.DType)
                throw new InvalidDataException($"{file}: storage view '{storage.Key}' does not fit inside storage '{view.Root}'.");
            if (readData && root.Bytes is { } rb)
            {
                int es = TorchDTypes.Size(storage.DType);
                storage.Bytes = rb.AsSpan((int)(view.Offset * es), (int)(view.Size * es)).ToArray();
            }
        }
        return new TorchCheckpoint(file, CheckpointFormat.Legacy, value, storages.Values.ToList(), machine.Globals, machine.Opcodes, readData);
    }

    // ('storage', storage_type, root_key, location, numel, view_metadata) with view_metadata None or (view_key, offset, size).
    private static TorchStorage LoadStorage(object? pid, Dictionary<string, TorchStorage> storages, Dictionary<TorchStorage, View> views,
        string file, CheckpointLimits limits)
    {
        if (pid is PickleTuple { Count: > 0 } t0 && t0[0] is "module")
            throw new InvalidDataException($"{file}: the checkpoint pickles a whole nn.Module; save its state_dict() instead.");
        if (pid is not PickleTuple { Count: 6 } t || t[0] is not "storage" || t[2] is not string key || t[4] is not long numel)
            throw new InvalidDataException($"{file}: persistent id {PickleMachine.Describe(pid)} is not ('storage', type, key, location, numel, view).");
        var dtype = PickleGlobals.StorageDType(t[1])
            ?? throw new InvalidDataException($"{file}: storage '{key}' has type {PickleMachine.Describe(t[1])}, not a storage class.");
        if (numel < 0 || numel > limits.MaxTotalTensorBytes / TorchDTypes.Size(dtype))
            throw new InvalidDataException($"{file}: storage '{key}' claims {numel} elements, over the {limits.MaxTotalTensorBytes}-byte limit.");
        var root = storages.TryGetValue(key, out var known) ? known : storages[key] = new TorchStorage(key, dtype, numel);
        if (root.DType != dtype || root.Numel != numel) throw new InvalidDataException($"{file}: storage '{key}' is described twice differently.");
        if (t[5] is null) return root;
        if (t[5] is not PickleTuple { Count: 3 } v || v[0] is not string viewKey || v[1] is not long offset || v[2] is not long size)
            throw new InvalidDataException($"{file}: storage '{key}' has malformed view metadata.");
        if (storages.TryGetValue(viewKey, out var existing)) return existing;
        var view = new TorchStorage(viewKey, dtype, size);
        storages[viewKey] = view;
        views[view] = new View(key, offset, size);
        return view;
    }

    // One of the small header pickles: plain values only, no persistent ids.
    private static object? Plain(byte[] bytes, ref int pos, string file, CheckpointLimits limits)
    {
        var machine = new PickleMachine(Slice(bytes, pos, limits, file), file, limits,
            _ => throw new InvalidDataException($"{file}: unexpected persistent id in a legacy header record."));
        var value = machine.Run();
        pos += machine.Position;
        return value;
    }

    private static ReadOnlyMemory<byte> Slice(byte[] bytes, int pos, CheckpointLimits limits, string file)
    {
        if (pos >= bytes.Length) throw new InvalidDataException($"{file}: the legacy checkpoint ends after {pos} bytes, before all its records.");
        return bytes.AsMemory(pos, (int)Math.Min(bytes.Length - pos, limits.MaxPickleBytes));
    }
}
