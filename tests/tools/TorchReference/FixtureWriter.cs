using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchReference;

// Writes NAME.keys.tsv, NAME.json and safetensors files in the format of FIXTURES.md.
internal static class FixtureWriter
{
    public static string DType(Tensor t) => t.dtype switch
    {
        ScalarType.Float32 => "float32",
        ScalarType.Float64 => "float64",
        ScalarType.Int64 => "int64",
        ScalarType.Int32 => "int32",
        ScalarType.Bool => "bool",
        var other => other.ToString().ToLowerInvariant(),
    };

    public static void KeysTsv(string path, IReadOnlyList<(string Key, Tensor Value)> sd)
    {
        var sb = new StringBuilder();
        foreach (var (key, t) in sd) sb.Append(key).Append('\t').Append(DType(t)).Append('\t').Append(string.Join(",", t.shape)).Append('\n');
        File.WriteAllText(path, sb.ToString());
    }

    public static void Json(string path, JsonObject obj) =>
        File.WriteAllText(path, obj.ToJsonString(new JsonSerializerOptions
        {
            WriteIndented = true,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }) + "\n");

    // safetensors: u64 LE header length, JSON header (padded with spaces to a multiple of 8), raw LE float32 data.
    public static void SafeTensors(string path, IReadOnlyList<(string Name, Tensor Value)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = new JsonObject();
        if (metadata is not null)
        {
            var meta = new JsonObject();
            foreach (var (k, v) in metadata) meta[k] = v;
            header["__metadata__"] = meta;
        }
        var blobs = new List<byte[]>();
        long offset = 0;
        foreach (var (name, t) in tensors)
        {
            using var c = t.detach().to(ScalarType.Float32).contiguous().cpu();
            var values = c.data<float>().ToArray();
            var bytes = new byte[values.Length * 4];
            Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length); // little-endian host (x86-64)
            header[name] = new JsonObject
            {
                ["dtype"] = "F32",
                ["shape"] = new JsonArray(c.shape.Select(d => (JsonNode)JsonValue.Create(d)!).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + bytes.Length),
            };
            offset += bytes.Length;
            blobs.Add(bytes);
        }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8;
        using var fs = File.Create(path);
        fs.Write(BitConverter.GetBytes((ulong)padded));
        fs.Write(json);
        for (int k = json.Length; k < padded; k++) fs.WriteByte((byte)' ');
        foreach (var b in blobs) fs.Write(b);
    }
}
