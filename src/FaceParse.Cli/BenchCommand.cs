using System.CommandLine;

namespace FaceParse.Cli;

/// <summary>`faceparse bench ...`: benchmarks whose figures go into the README. Each target is its own sub-command.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Measure kernel, imaging and model speed on this machine.");
        // Targets (kernels, imaging, model) register here.
        command.Subcommands.Add(BenchKernelsCommand.Create());
        command.Subcommands.Add(BenchImagingCommand.Create());
        command.Subcommands.Add(BenchModelCommand.Create());
        command.Subcommands.Add(BenchDetectCommand.Create());
        command.Subcommands.Add(BenchTuneCommand.Create());
        return command;
    }
}
