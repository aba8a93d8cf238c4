using System.CommandLine;
using System.Globalization;
using FaceParse.Inference;
using FaceParse.Training;

namespace FaceParse.Cli;

/// <summary>`faceparse describe MODEL -o OUT`: rewrites a model file's description (name, notes, alignment template and warp) and
/// keeps its weights bit for bit — how a finished training run becomes a shipped model.</summary>
internal static class DescribeCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("model") { Description = "The model file (.safetensors) whose description to change." };
        var output = new Option<string>("--out", "-o") { Description = "The model file to write (atomically; may be the input).", Required = true };
        var name = new Option<string?>("--name") { Description = "The model's own name." };
        var notes = new Option<string?>("--notes") { Description = "Free text (data, recipe, score); replaces the old notes." };
        var notesFile = new Option<string?>("--notes-file") { Description = "Read the notes from this UTF-8 text file." };
        var template = new Option<string?>("--face-template")
        {
            Description = "Alignment template: 10 numbers x,y for left eye, right eye, nose, mouth left, mouth right as fractions of the " +
                "input side (what `faceparse detect TRAIN --template` prints), or 'none' to remove it.",
        };
        var warp = new Option<string?>("--face-warp")
        {
            Description = "facer's tanh-warp factor in [0, 1] used around aligned faces (0.8 for SegFace's LaPa/Helen models), or 'none'.",
        };
        var command = new Command("describe", "Change a model file's name, notes, face template or face warp; the weights are copied unchanged.")
            { input, output, name, notes, notesFile, template, warp };
        command.SetAction(result =>
        {
            string source = result.GetValue(input)!, target = result.GetValue(output)!;
            if (result.GetValue(notes) is not null && result.GetValue(notesFile) is not null)
                throw new ArgumentException("Give --notes or --notes-file, not both.");
            var (description, weights) = ModelFile.Load(source);
            if (result.GetValue(name) is { } newName)
            {
                if (string.IsNullOrWhiteSpace(newName)) throw new ArgumentException("--name must not be empty.");
                description = description with { Name = newName };
            }
            if (result.GetValue(notesFile) is { } file) description = description with { Notes = File.ReadAllText(file).Trim() };
            if (result.GetValue(notes) is { } text) description = description with { Notes = text };
            if (result.GetValue(template) is { } t) description = description with { FaceTemplate = ParseTemplate(t) };
            if (result.GetValue(warp) is { } w) description = description with { FaceWarp = ParseWarp(w) };
            AtomicFile.Write(target, stream => ModelFile.Save(stream, description, weights));
            string where = description.FaceTemplate is null ? "none (the CelebAMask-HQ default)" : $"{description.FaceTemplate.Count / 2} points";
            string warped = description.FaceWarp is double f and > 0 ? $", tanh face warp {f.ToString(CultureInfo.InvariantCulture)}" : "";
            Console.WriteLine($"wrote {target}: '{description.Name}', {weights.Count} tensors unchanged, face template {where}{warped}");
            return 0;
        });
        return command;
    }

    /// <exception cref="ArgumentException">Not a number in [0, 1] or 'none'.</exception>
    internal static double? ParseWarp(string text)
    {
        if (text.Trim().Equals("none", StringComparison.OrdinalIgnoreCase)) return null;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double f) || !(f >= 0 && f <= 1))
            throw new ArgumentException($"--face-warp: '{text}' is not a warp factor in [0, 1] (or 'none').");
        return f;
    }

    /// <exception cref="ArgumentException">Not 10 numbers in [0, 1], comma- or space-separated.</exception>
    internal static IReadOnlyList<double>? ParseTemplate(string text)
    {
        if (text.Trim().Equals("none", StringComparison.OrdinalIgnoreCase)) return null;
        var parts = text.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var values = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]))
                throw new ArgumentException($"--face-template: '{parts[i]}' is not a number.");
        if (ModelFile.FaceTemplateProblem(values) is { } problem) throw new ArgumentException($"--face-template: {problem}");
        return values;
    }
}
