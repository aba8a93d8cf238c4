using System.Text.Json.Nodes;
using FaceParse.Inference;
using FaceParse.Labels;
using FaceParse.Tensors;
using FaceParse.Tensors.Serialization;

namespace FaceParse.Tests.Inference;

/// <summary>Model files with hand-edited descriptions or weights, for the hostile-input tests (also linked into the CLI tests).</summary>
internal static class HostileModels
{
    /// <summary>A tiny model's file with its description JSON edited (and optionally its weights).</summary>
    public static byte[] Edited(Action<JsonObject> editDescription, Action<Dictionary<string, Tensor>>? editWeights = null, LabelSet? labels = null)
    {
        var model = TinyModels.Create(labels: labels);
        var weights = model.Module.StateDict().ToDictionary(p => p.Key, p => p.Value.Clone());
        editWeights?.Invoke(weights);
        using var file = new MemoryStream();
        ModelFile.Save(file, model.Description, weights);
        file.Position = 0;
        var loaded = SafeTensors.Load(file);
        var description = JsonNode.Parse(loaded.Metadata[ModelFile.MetadataKey])!.AsObject();
        editDescription(description);
        using var output = new MemoryStream();
        SafeTensors.Save(output, loaded.Tensors, new Dictionary<string, string> { [ModelFile.MetadataKey] = description.ToJsonString() });
        return output.ToArray();
    }
}
