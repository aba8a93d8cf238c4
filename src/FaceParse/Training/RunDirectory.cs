using System.Text.Json.Nodes;

namespace FaceParse.Training;

/// <summary>What a finished (or stopped) <see cref="Trainer.Run"/> did.</summary>
/// <param name="EpochsCompleted">Epochs in the last checkpoint.</param>
/// <param name="GlobalStep">Optimiser steps in the last checkpoint.</param>
/// <param name="BestMetric">Best validation mean F1, or null when the run never validated.</param>
/// <param name="Cancelled">True when the run stopped on request before its last epoch; the interrupted epoch restarts on resume.</param>
/// <param name="ModelPath">The run's model file (best validation, or final weights without validation), or null before it exists.</param>
public sealed record TrainResult(int EpochsCompleted, long GlobalStep, double? BestMetric, bool Cancelled, string? ModelPath);

/// <summary>The files of a run directory that the trainer owns besides checkpoints and metrics: <c>train.json</c> (options and
/// command line of the latest start) and <c>model.safetensors</c> (the model to use).</summary>
internal sealed class RunDirectory
{
    public const string OptionsFileName = "train.json";
    public const string ModelFileName = "model.safetensors";

    public RunDirectory(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
    }

    public string Path { get; }
    public string OptionsPath => System.IO.Path.Combine(Path, OptionsFileName);
    public string ModelPath => System.IO.Path.Combine(Path, ModelFileName);

    /// <summary>True when the folder already holds (part of) a run: a checkpoint, a metrics log, train.json or a model.</summary>
    public bool HoldsRun =>
        new[] { OptionsFileName, ModelFileName, CheckpointStore.LastFileName, CheckpointStore.BestFileName, TrainingLog.JsonFileName, TrainingLog.CsvFileName }
            .Any(f => File.Exists(System.IO.Path.Combine(Path, f)));

    /// <summary>Refuses to start a fresh run over an existing one (nothing is overwritten).</summary>
    /// <exception cref="IOException">The folder holds a run and <paramref name="resume"/> is off.</exception>
    public void EnsureUsable(bool resume)
    {
        if (!resume && HoldsRun)
            throw new IOException($"Run directory {Path} already holds a training run; pass --resume to continue it, or choose another --out.");
    }

    /// <summary>Writes train.json atomically: the options, the command line and the epoch the run (re)started from.</summary>
    public void WriteOptions(TrainOptions options, int startEpoch)
    {
        ArgumentNullException.ThrowIfNull(options);
        var node = JsonNode.Parse(options.ToJson())!.AsObject();
        node["start_epoch"] = startEpoch;
        node["started_utc"] = DateTime.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        AtomicFile.WriteText(OptionsPath, node.ToJsonString(TrainOptions.Json));
    }
}
