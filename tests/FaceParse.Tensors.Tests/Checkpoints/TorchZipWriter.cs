using System.IO.Compression;
using System.Runtime.InteropServices;
using FaceParse.Tensors.Serialization.PyTorch;

namespace FaceParse.Tensors.Tests.Checkpoints;

/// <summary>Writes the torch.save zip layout (PyTorch ≥ 1.6) — <c>&lt;root&gt;/data.pkl</c>, <c>&lt;root&gt;/byteorder</c>,
/// <c>&lt;root&gt;/data/&lt;key&gt;</c> (stored, little-endian), <c>&lt;root&gt;/version</c> — for tests that need a real-format
/// .pt without Python. Use <see cref="Float"/> to add float32 tensors; the object tree may hold the returned references.</summary>
public sealed class TorchZipWriter(string root = "archive", int protocol = 2)
{
    private readonly List<(string Key, byte[] Bytes)> _storages = [];

    /// <summary>Adds a contiguous float32 tensor as a new storage and returns the pickle reference to put in the tree.</summary>
    public PickleWriter.TensorRef Float(float[] values, params long[] shape)
    {
        string key = _storages.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _storages.Add((key, MemoryMarshal.AsBytes(values.AsSpan()).ToArray()));
        var stride = new long[shape.Length];
        long s = 1;
        for (int i = shape.Length - 1; i >= 0; i--) { stride[i] = s; s *= shape[i]; }
        return new PickleWriter.TensorRef(key, "FloatStorage", values.Length, 0, shape, stride);
    }

    /// <summary>Adds raw storage bytes under <paramref name="key"/> (for views and hand-made layouts).</summary>
    public void Storage(string key, byte[] bytes) => _storages.Add((key, bytes));

    /// <summary>An OrderedDict state dict of float32 tensors, the way torch.save(model.state_dict()) writes it.</summary>
    public static byte[] StateDict(IEnumerable<(string Key, float[] Values, long[] Shape)> tensors, string root = "archive")
    {
        var writer = new TorchZipWriter(root);
        var dict = new PickleDict("collections.OrderedDict");
        foreach (var (key, values, shape) in tensors) dict.Items[key] = writer.Float(values, shape);
        return writer.Write(dict);
    }

    /// <summary>The whole .pt file holding <paramref name="value"/>.</summary>
    public byte[] Write(object? value) => Write(new PickleWriter(protocol).Write(value));

    /// <summary>The whole .pt file with an already pickled data.pkl.</summary>
    public byte[] Write(byte[] dataPkl)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            Add(zip, "data.pkl", dataPkl);
            Add(zip, "byteorder", "little"u8.ToArray());
            foreach (var (key, bytes) in _storages) Add(zip, "data/" + key, bytes);
            Add(zip, "version", "3\n"u8.ToArray());
        }
        return buffer.ToArray();
    }

    public void Save(string path, object? value) => File.WriteAllBytes(path, Write(value));

    private void Add(ZipArchive zip, string name, byte[] bytes)
    {
        using var s = zip.CreateEntry($"{root}/{name}", CompressionLevel.NoCompression).Open();
        s.Write(bytes);
    }
}
