namespace FaceParse.Cli.Tests;

/// <summary>Runs the CLI in-process with Console redirected. Tests using it share one collection (Console is global).</summary>
internal static class CliHarness
{
    private static readonly object Gate = new();

    public static (int Exit, string Out, string Err) Run(params string[] args)
    {
        lock (Gate)
        {
            var oldOut = Console.Out;
            var oldErr = Console.Error;
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            Console.SetOut(stdout);
            Console.SetError(stderr);
            int threads = FaceParse.Tensors.Runtime.Parallelism.Threads;
            try
            {
                int exit = CliApp.Run(args);
                return (exit, stdout.ToString(), stderr.ToString());
            }
            finally
            {
                Console.SetOut(oldOut);
                Console.SetError(oldErr);
                FaceParse.Tensors.Runtime.Parallelism.Threads = threads;
            }
        }
    }
}

[CollectionDefinition("cli", DisableParallelization = true)]
public sealed class CliCollection;
