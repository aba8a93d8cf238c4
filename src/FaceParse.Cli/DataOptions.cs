using System.CommandLine;
using System.Globalization;
using FaceParse.Data;

namespace FaceParse.Cli;

/// <summary>Dataset options shared by `train` and `eval`: --data, --layout, --labels, --eval-size.</summary>
internal sealed class DataOptions
{
    public Option<string> Data { get; } = new("--data") { Description = "Dataset root folder.", Required = true };

    public Option<string> Layout { get; } = new Option<string>("--layout")
    {
        Description = $"Dataset layout: {string.Join(", ", DatasetLayouts.Names)}.",
        DefaultValueFactory = _ => "folder",
    }.AcceptOnlyFromAmong([.. DatasetLayouts.Names]);

    public Option<string?> Labels { get; } = new("--labels")
    {
        Description = "Label set of the masks (default: celebamask-hq for the folder layout, the layout's own set otherwise).",
    };

    public Option<string> EvalSize { get; } = new("--eval-size")
    {
        Description = "Square side the labels are scored at (masks resized with nearest), or 'native' for each mask's own resolution.",
        DefaultValueFactory = _ => "512",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Data);
        command.Options.Add(Layout);
        command.Options.Add(Labels);
        command.Options.Add(EvalSize);
    }

    /// <summary>The label set name: --labels, or the layout's default.</summary>
    public string LabelsOf(ParseResult result) => result.GetValue(Labels) ?? result.GetValue(Layout) switch
    {
        "lapa" => "lapa",
        "helen" => "helen",
        _ => "celebamask-hq",
    };

    /// <summary>--eval-size as a number, or null for 'native'.</summary>
    public int? EvalSizeOf(ParseResult result)
    {
        string text = result.GetValue(EvalSize) ?? "512";
        if (text is "native" or "mask") return null;
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int size) && size >= 1) return size;
        throw new ArgumentException($"--eval-size must be a positive number or 'native', got '{text}'.");
    }

    /// <summary>Prints a dataset/checkpoint problem as one error line and returns exit code 1; rethrows anything else.</summary>
    public static int? Report(Exception e)
    {
        if (e is not (DatasetException or FaceParse.Training.CheckpointMismatchException)) return null;
        Console.Error.WriteLine($"faceparse: error: {e.Message}");
        return 1;
    }
}
