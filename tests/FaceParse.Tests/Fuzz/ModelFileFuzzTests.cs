using System.Text;
using System.Text.Json.Nodes;
using FaceParse.Inference;
using FaceParse.Tensors;
using FaceParse.Tensors.Serialization;
using FaceParse.Tests.Inference;
using FaceParse.Testing.Fuzz;

namespace FaceParse.Tests.Fuzz;

/// <summary>The model description under seeded mutation (issue 13): descriptions of a tiny model (its JSON bytes) are
/// mutated — generic byte edits plus JSON-aware ones that set any field, top-level or inside config_json, to null, "",
/// unknown names, extreme numbers or wrong types, drop fields or add unknown ones — then written with the tiny model's
/// weights and loaded. Every case must load or raise <see cref="InvalidDataException"/> within 2 s and 128 MiB.</summary>
[Trait("Category", "Fuzz")]
public sealed class ModelFileFuzzTests(ITestOutputHelper output)
{
    private const int CiCases = 2000;

    [Fact(Timeout = 300_000)]
    public async Task MutatedDescriptionsLoadOrFailWithTheDocumentedError()
    {
        var model = TinyModels.Create();
        var weights = model.Module.StateDict().ToDictionary(p => p.Key, p => p.Value.Clone());
        var target = new FuzzTarget
        {
            Name = "model-description",
            Run = bytes => Load(bytes, weights),
            DocumentedError = typeof(InvalidDataException),
            AllocationBound = bytes => 128L << 20, // a mis-shaped model is checked with zero stand-ins of up to 16 M floats
        };
        var corpus = new List<byte[]>();
        foreach (var (notes, size) in new[] { ((string?)null, 32), ("tiny", 64), ("é ✓", 8) })
        {
            using var file = new MemoryStream();
            ModelFile.Save(file, model.Description with { Notes = notes, InputSize = size }, weights);
            file.Position = 0;
            corpus.Add(Encoding.UTF8.GetBytes(SafeTensors.Load(file).Metadata[ModelFile.MetadataKey]));
        }
        var mutator = new Mutator(corpus, [("json-field", JsonField), ("config-field", ConfigField), ("drop-field", DropField)]);
        var report = await Task.Run(() => FuzzRunner.Run(target, mutator, FuzzRunner.Cases(CiCases), FuzzRunner.Seed(20261206),
            TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);
        output.WriteLine(report.ToString());
        Assert.True(report.Rejected > 0 && report.Succeeded > 0, report.ToString());
    }

    private static void Load(byte[] description, IReadOnlyDictionary<string, Tensor> weights)
    {
        using var file = new MemoryStream();
        SafeTensors.Save(file, weights, new Dictionary<string, string> { [ModelFile.MetadataKey] = Encoding.UTF8.GetString(description) });
        file.Position = 0;
        SegmentationModel.Load(file, "fuzz.safetensors");
    }

    private static readonly Func<JsonNode?>[] Values =
    [
        () => null, () => "", () => "nonexistent", () => "lapa", () => "celebamask-hq", () => "fp-liif", () => 0, () => -1, () => 1, () => 7,
        () => 8, () => 4096, () => 4097, () => int.MaxValue, () => long.MaxValue, () => 1e308, () => 0.5, () => true,
        () => new JsonArray(), () => new JsonArray(1, 2, 3), () => new JsonArray(1e30, -1e30, 0), () => new JsonObject(),
        () => new string('x', 5000), () => "NaN", () => "Infinity",
    ];

    private static JsonObject? Parse(byte[] bytes)
    {
        try
        {
            var root = JsonNode.Parse(Encoding.UTF8.GetString(bytes)) as JsonObject;
            _ = root?.Count; // materialises the properties (throws here for invalid strings)
            return root;
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or ArgumentException or InvalidOperationException) { return null; }
    }

    private static byte[]? JsonField(byte[] bytes, Random rng)
    {
        if (Parse(bytes) is not { Count: > 0 } root) return null;
        var keys = root.Select(p => p.Key).Append("unknown_field").ToList();
        root[keys[rng.Next(keys.Count)]] = Values[rng.Next(Values.Length)]();
        return Encoding.UTF8.GetBytes(root.ToJsonString());
    }

    private static byte[]? ConfigField(byte[] bytes, Random rng)
    {
        if (Parse(bytes) is not { } root || root["config_json"] is not JsonValue v || !v.TryGetValue(out string? text)) return null;
        JsonObject? config;
        try
        {
            config = JsonNode.Parse(text) as JsonObject;
            _ = config?.Count;
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or ArgumentException) { return null; }
        if (config is null || config.Count == 0) return null;
        var keys = config.Select(p => p.Key).ToList();
        string key = keys[rng.Next(keys.Count)];
        if (rng.Next(4) == 0 && config[key] is JsonArray { Count: > 0 } array) array[rng.Next(array.Count)] = Values[rng.Next(Values.Length)]();
        else if (rng.Next(8) == 0) config.Remove(key);
        else config[key] = Values[rng.Next(Values.Length)]();
        root["config_json"] = config.ToJsonString();
        return Encoding.UTF8.GetBytes(root.ToJsonString());
    }

    private static byte[]? DropField(byte[] bytes, Random rng)
    {
        if (Parse(bytes) is not { Count: > 0 } root) return null;
        root.Remove(root.ElementAt(rng.Next(root.Count)).Key);
        return Encoding.UTF8.GetBytes(root.ToJsonString());
    }
}
