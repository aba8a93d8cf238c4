using System.CommandLine;

namespace FaceParse.Cli;

/// <summary>The `faceparse` command tree. Each sub-command lives in its own file and is registered here.</summary>
public static class CliApp
{
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("FaceParse — face parsing (FP-LIIF, SegFace) in pure C#.");
        root.Options.Add(GlobalOptions.Threads);
        root.Subcommands.Add(InfoCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(ImageCommand.Create());
        root.Subcommands.Add(SegmentCommand.Create());
        root.Subcommands.Add(ManifestCommand.Create());
        root.Subcommands.Add(DetectCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(DescribeCommand.Create());
        root.Subcommands.Add(RunCommand.Create());
        foreach (var c in CheckpointCommands.Create()) root.Subcommands.Add(c);
        root.Subcommands.Add(ServeCommand.Create());
        return root;
    }

    /// <summary>Parses and runs; expected failures (bad arguments, unreadable or invalid files) print one line and return 1.</summary>
    public static int Run(string[] args)
    {
        ParseResult result = BuildRoot().Parse(args);
        try
        {
            GlobalOptions.Apply(result);
            return result.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or FormatException or UnauthorizedAccessException
            or FaceParse.Imaging.ImageFormatException or FaceParse.Tensors.Serialization.PyTorch.UnsafeCheckpointException)
        {
            Console.Error.WriteLine($"faceparse: error: {e.Message}");
            return 1;
        }
    }
}
