using System.CommandLine;
using System.Reflection;
using System.Runtime.InteropServices;
using FaceParse.Inference;
using FaceParse.Tensors.Runtime;

namespace FaceParse.Cli;

/// <summary>`faceparse info`: version, SIMD level, threads; with `--model M`, what that model file holds instead.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print JSON instead of text." };
        var model = new Option<string>("--model") { Description = "Describe a model (file, registered name or architecture preset) instead of the engine." };
        var labels = new Option<string>("--labels") { Description = "Label set of a described preset (default celebamask-hq; e.g. lapa for an 11-class model)." };
        var command = new Command("info", "Show version, detected SIMD level and thread count, or a model's description.") { json, model, labels };
        command.SetAction(result =>
        {
            if (result.GetValue(model) is { } reference) return ModelInfo.Print(reference, result.GetValue(json), result.GetValue(labels));
            string version = typeof(InfoCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";
            var info = new SortedDictionary<string, object>
            {
                ["version"] = version,
                ["runtime"] = RuntimeInformation.FrameworkDescription,
                ["os"] = RuntimeInformation.OSDescription,
                ["simd"] = CpuFeatures.Describe(CpuFeatures.Active),
                ["threads"] = Parallelism.Threads,
                ["cores"] = Environment.ProcessorCount,
            };
            if (result.GetValue(json))
                Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(info));
            else
                foreach (var (k, v) in info) Console.WriteLine($"{k,-8} {v}");
            return 0;
        });
        return command;
    }
}
