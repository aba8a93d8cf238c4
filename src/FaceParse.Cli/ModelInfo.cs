using System.Text.Json;
using FaceParse.Architectures;
using FaceParse.Inference;
using FaceParse.Labels;

namespace FaceParse.Cli;

/// <summary>`faceparse info --model M [--json]`: name, architecture, parameter count, label set and classes, input size, face alignment and notes.
/// M is a model file or registered name, or else a preset of any registered architecture (e.g. fp-liif-small), described as
/// an untrained model with CelebAMask-HQ's classes (or those of --labels) at the architecture's default input size ("file" is then null).</summary>
internal static class ModelInfo
{
    public static int Print(string reference, bool json, string? labels = null)
    {
        string? path;
        SegmentationModel model;
        try
        {
            path = ModelRegistry.ResolvePath(reference);
            model = SegmentationModel.Load(path);
        }
        catch (FileNotFoundException) when (ArchitectureRegistry.FindPreset(reference) is { } preset)
        {
            path = null;
            model = SegmentationModel.CreateNew(preset.Preset, labels is null ? LabelSets.CelebAMaskHq
                : LabelSets.TryGet(labels, out var set) ? set : throw new ArgumentException($"Unknown label set '{labels}'; known: {string.Join(", ", LabelSets.All.Select(s => s.Name))}."), preset.Architecture.DefaultInputSize, seed: 0);
        }
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
            ["face_template"] = d.FaceTemplate,
            ["face_warp"] = d.FaceWarp,
            ["notes"] = d.Notes,
        };
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(facts));
            return 0;
        }
        foreach (var (key, value) in facts.Where(f => f.Key is not ("classes" or "config" or "notes" or "face_template" or "face_warp")))
            Console.WriteLine($"{key,-15} {value}");
        Console.WriteLine($"{"classes",-15} {string.Join(", ", model.Labels.Classes.Select(c => $"{c.Id} {c.Name}"))}");
        Console.WriteLine($"{"face_template",-15} {(d.FaceTemplate is { } t ? string.Join(",", t.Select(v => v.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture))) : "default (CelebAMask-HQ)")}");
        Console.WriteLine($"{"face_warp",-15} {(d.FaceWarp is double f and > 0 ? $"tanh {f.ToString(System.Globalization.CultureInfo.InvariantCulture)}" : "none (plain similarity alignment)")}");
        if (d.Notes is { Length: > 0 } notes) Console.WriteLine($"notes\n{notes}");
        return 0;
    }
}
