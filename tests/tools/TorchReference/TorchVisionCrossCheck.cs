using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchReference;

// Compares our transcription with TorchVision for .NET's own model where it has one (mobilenet_v3_large, resnet101):
// same key set and shapes, and the classification logits with the same weights copied by key name.
internal static class TorchVisionCrossCheck
{
    public static JsonObject? Run(string name, nn.Module<Tensor, Tensor> ours, IReadOnlyList<(string Key, Tensor Value)> sd, Tensor input)
    {
        nn.Module<Tensor, Tensor>? theirs = name switch
        {
            "mobilenet_v3_large" => torchvision.models.mobilenet_v3_large(),
            "resnet101" => torchvision.models.resnet101(),
            _ => null,
        };
        if (theirs is null) return null;
        theirs.eval();
        var their = theirs.state_dict();
        var ourKeys = sd.Select(e => e.Key).ToHashSet();
        var missing = ourKeys.Where(k => !their.ContainsKey(k)).ToList();
        var extra = their.Keys.Where(k => !ourKeys.Contains(k)).ToList();
        var shapeMismatch = sd.Where(e => their.TryGetValue(e.Key, out var t) && !t.shape.SequenceEqual(e.Value.shape)).Select(e => e.Key).ToList();
        var result = new JsonObject
        {
            ["torchvision_dotnet_keys"] = their.Count,
            ["keys_only_ours"] = new JsonArray(missing.Take(10).Select(k => (JsonNode)k).ToArray()),
            ["keys_only_theirs"] = new JsonArray(extra.Take(10).Select(k => (JsonNode)k).ToArray()),
            ["shape_mismatches"] = shapeMismatch.Count,
            ["torchvision_dotnet_parameters"] = theirs.parameters().Sum(p => p.numel()),
        };
        if (missing.Count == 0 && extra.Count == 0 && shapeMismatch.Count == 0)
        {
            using (no_grad()) foreach (var (k, v) in sd) their[k].copy_(v);
            using (no_grad())
            {
                var a = ours.call(input);
                var b = theirs.call(input);
                double rel = (a - b).norm().item<float>() / Math.Max(1e-30, b.norm().item<float>());
                result["logits_rel_l2_vs_torchvision_dotnet"] = rel;
            }
        }
        Console.WriteLine($"  TorchVision for .NET {name}: {result.ToJsonString()}");
        return result;
    }
}
