using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using FaceParse.Inference;
using FaceParse.Tensors;
using FaceParse.Training;

namespace FaceParse.Cli;

/// <summary>`faceparse run --model M --input IN.npy --output OUT.npy [--out-size N] [--repeat R] [--json]`: the network on a raw
/// input tensor (float32 [N,3,H,W] in [0,1], exactly what the exported ONNX graph takes) → raw logits [N,K,out,out] as .npy.
/// With --repeat, R timed runs after one warm-up: median and min milliseconds. This is how runtimes are compared on identical inputs.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model file or registered name.", DefaultValueFactory = _ => "default" };
        var arch = ModelOptions.Arch();
        var input = new Option<string>("--input") { Description = "Input .npy, float32 [N,3,H,W] RGB in [0,1].", Required = true };
        var output = new Option<string>("--output") { Description = "Where to write the logits (.npy, float32 [N,K,out,out]).", Required = true };
        var outSize = new Option<int?>("--out-size") { Description = "Output side (default: the input's H×W)." };
        var repeat = new Option<int>("--repeat") { Description = "Timed runs after a warm-up (0: run once, untimed).", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("run", "Run the network on a raw input tensor (.npy) and write the raw logits (.npy).") { model, arch, input, output, outSize, repeat, json };
        command.SetAction(result =>
        {
            int repeats = result.GetValue(repeat);
            if (repeats < 0) throw new ArgumentException($"--repeat must be ≥ 0, got {repeats}");
            var segmentation = ModelRegistry.Load(result.GetValue(model)!, result.GetValue(arch));
            var x = Npy.Read(result.GetValue(input)!);
            if (x.Rank != 4 || x.Dim(1) != 3 || x.Dim(0) < 1 || x.Dim(2) < 1 || x.Dim(3) < 1)
                throw new ArgumentException($"--input holds {Shapes.Format(x.Shape)}; expected float32 [N, 3, H, W]");
            if (!x.ToArray().All(float.IsFinite)) throw new ArgumentException("--input holds NaN or infinite values");
            int outH = result.GetValue(outSize) ?? x.Dim(2), outW = result.GetValue(outSize) ?? x.Dim(3);
            if (outH is < 1 or > 8192 || outW is < 1 or > 8192) throw new ArgumentException($"--out-size must be 1..8192, got {outH}");

            Tensor Forward()
            {
                using var noGrad = GradMode.NoGrad();
                return segmentation.Forward(x, outH, outW);
            }
            var logits = Forward();
            var times = new double[repeats];
            for (int i = 0; i < repeats; i++)
            {
                long start = Stopwatch.GetTimestamp();
                Forward();
                times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
            string path = Path.GetFullPath(result.GetValue(output)!);
            AtomicFile.Write(path, stream => Npy.Write(stream, logits));

            var report = new Dictionary<string, object?>
            {
                ["model"] = segmentation.Name,
                ["input_shape"] = x.Shape,
                ["output_shape"] = logits.Shape,
                ["output"] = path,
                ["threads"] = FaceParse.Tensors.Runtime.Parallelism.Threads,
            };
            if (repeats > 0)
            {
                Array.Sort(times);
                report["repeat"] = repeats;
                report["median_ms"] = Math.Round(repeats % 2 == 1 ? times[repeats / 2] : (times[repeats / 2 - 1] + times[repeats / 2]) / 2, 3);
                report["min_ms"] = Math.Round(times[0], 3);
            }
            if (result.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(report));
            else
                foreach (var (key, value) in report)
                    Console.WriteLine($"{key,-14} {(value is int[] shape ? Shapes.Format(shape) : value)}");
            return 0;
        });
        return command;
    }
}
