using System.CommandLine;
using System.Text.Json;
using FaceParse.Benchmarks;
using FaceParse.Inference;

namespace FaceParse.Cli;

/// <summary>`faceparse bench model [--model M] [--size N] [--out-size N] [--repeats R] [--train-steps S] [--threads T] [--json] [--compare onnxruntime]`:
/// latency, images/s, peak memory and training throughput of a model. Measuring lives in <see cref="ModelBenchmark"/>.</summary>
internal static class BenchModelCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model file, registered name, or an architecture preset such as segface-mobilenet (random weights).", DefaultValueFactory = _ => "default" };
        var arch = ModelOptions.Arch();
        var size = new Option<int?>("--size") { Description = "Input side (default: the model's training size)." };
        var outSize = new Option<int?>("--out-size") { Description = "Output side the logits are decoded at (default: --size)." };
        var repeats = new Option<int>("--repeats") { Description = "Timed inference runs; the median is reported.", DefaultValueFactory = _ => 10 };
        var trainSteps = new Option<int>("--train-steps") { Description = "Timed training steps (batch 4, 4096 queries per image); 0 skips.", DefaultValueFactory = _ => 3 };
        var trainReplicas = new Option<int>("--train-replicas")
        {
            Description = "Data-parallel replicas for the training steps (as train --replicas; each gets threads/K kernel threads).", DefaultValueFactory = _ => 1,
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var compare = new Option<string?>("--compare")
        {
            Description = "Run another engine side by side on the same model, input and threads (interleaved; no training figure): onnxruntime.",
        };
        compare.AcceptOnlyFromAmong("onnxruntime");
        var command = new Command("model", "Inference latency (median), images/s, peak working set and training images/s of a model.")
        {
            model, arch, size, outSize, repeats, trainSteps, trainReplicas, json, compare,
        };
        command.SetAction(result =>
        {
            string reference = result.GetValue(model)!;
            SegmentationModel segmentation;
            try { segmentation = ModelRegistry.Load(reference, result.GetValue(arch)); }
            catch (FileNotFoundException) when (FaceParse.Architectures.ArchitectureRegistry.FindPreset(reference) is { } preset)
            {
                // an architecture preset with seeded random weights: speed and memory do not depend on the values
                segmentation = SegmentationModel.CreateNew(preset.Preset, FaceParse.Labels.LabelSets.CelebAMaskHq, preset.Architecture.DefaultInputSize, seed: 0);
            }
            int side = result.GetValue(size) ?? segmentation.InputSize;
            if (result.GetValue(compare) is not null)
                return BenchModelCompare.Print(segmentation, side, result.GetValue(outSize) ?? side, result.GetValue(repeats), result.GetValue(json));
            var options = new ModelBenchmarkOptions(side, result.GetValue(outSize) ?? side, result.GetValue(repeats)) { TrainSteps = result.GetValue(trainSteps), TrainReplicas = result.GetValue(trainReplicas) };
            var outcome = ModelBenchmark.Run(segmentation, options);
            if (result.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(ToJson(outcome)));
            else
                foreach (var (key, value) in ToJson(outcome)) Console.WriteLine($"{key,-20} {value?.ToString() ?? "-"}");
            return 0;
        });
        return command;
    }

    private static Dictionary<string, object?> ToJson(ModelBenchmarkResult r) => new()
    {
        ["model"] = r.Model,
        ["size"] = r.Size,
        ["out_size"] = r.OutSize,
        ["threads"] = r.Threads,
        ["median_ms"] = Math.Round(r.MedianMs, 3),
        ["images_per_s"] = Math.Round(r.ImagesPerSecond, 2),
        ["peak_working_set_mb"] = Math.Round(r.PeakWorkingSetMb, 1),
        ["train_images_per_s"] = r.TrainImagesPerSecond is { } t ? Math.Round(t, 2) : null,
        ["train_replicas"] = r.TrainReplicas,
        ["train_peak_working_set_mb"] = r.TrainPeakWorkingSetMb is { } m ? Math.Round(m, 1) : null,
        ["cpu"] = BenchMachine.CpuName(),
        ["simd"] = BenchMachine.Simd,
    };
}
