using System.CommandLine;
using FaceParse.Tensors.Runtime;

namespace FaceParse.Cli;

/// <summary>Options every command accepts.</summary>
internal static class GlobalOptions
{
    public static readonly Option<int?> Threads = new("--threads")
    {
        Description = "Threads for the compute kernels (default: all cores).",
        Recursive = true,
    };

    /// <summary>Applies the global options of a parse result to the runtime.</summary>
    public static void Apply(ParseResult result)
    {
        int? threads = result.GetValue(Threads);
        if (threads is { } t) Parallelism.Threads = t;
    }
}
