using System.CommandLine;

namespace FaceParse.Cli;

/// <summary>Options shared by the commands that load a model (segment, eval, bench model, run, export).</summary>
internal static class ModelOptions
{
    /// <summary><c>--arch PRESET</c>: the preset the model must be. A PyTorch checkpoint is read as that preset instead of
    /// being recognised from its keys; a model file of another preset is refused with a message naming both.</summary>
    public static Option<string?> Arch() => new("--arch")
    {
        Description = "The preset the model must be, e.g. segface-mobilenet: a PyTorch checkpoint (.pt) is read as it; " +
            "a checkpoint or model file of another architecture or configuration is refused, naming both.",
    };
}
