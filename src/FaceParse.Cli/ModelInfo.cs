using System.Text.Json;
using FaceParse.Inference;

namespace FaceParse.Cli;

/// <summary>`faceparse info --model M [--json]`: name, architecture, parameter count, label set and classes, input size and notes.</summary>
internal static class ModelInfo
{
    public static int Print(string reference, bool json)
    {
        string path = ModelRegistry.ResolvePath(reference);
        var model = SegmentationModel.Load(path);
        var d = model.Description;
        var facts = new Dictionary<string, object?>
        {
            ["name"] = d.Name,
            ["file"] = path,
            ["architecture"] = d.Architecture,
            ["parameters"] = model.ParameterCount,
            ["labels"] = d.Labels,
            ["labels_version"] = d.LabelsVersion,
            ["input_size"] = d.InputSize,
            ["classes"] = model.Labels.Classes.Select(c => c.Name).ToArray(),
            ["config"] = JsonDocument.Parse(d.ConfigJson).RootElement,
            ["notes"] = d.Notes,
        };
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(facts));
            return 0;
        }
        foreach (var (key, value) in facts.Where(f => f.Key is not ("classes" or "config" or "notes")))
            Console.WriteLine($"{key,-15} {value}");
        Console.WriteLine($"{"classes",-15} {string.Join(", ", model.Labels.Classes.Select(c => $"{c.Id} {c.Name}"))}");
        if (d.Notes is { Length: > 0 } notes) Console.WriteLine($"notes\n{notes}");
        return 0;
    }
}
