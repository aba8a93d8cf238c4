using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using FaceParse.Labels;

namespace FaceParse.Training;

/// <summary>A checkpoint of another model, label set or training configuration than the one being resumed.</summary>
public sealed class CheckpointMismatchException(string message, string path) : Exception(message)
{
    public string Path { get; } = path;
}

/// <summary>What a training checkpoint records besides the tensors; stored as JSON in the safetensors <c>__metadata__</c>
/// under <see cref="MetadataKey"/>.</summary>
/// <param name="Model">Model name (e.g. "fp-liif").</param>
/// <param name="Epoch">Epochs completed (resume starts at this epoch index).</param>
/// <param name="GlobalStep">Optimiser steps taken.</param>
/// <param name="BestMetric">Best validation metric so far (e.g. mean F1), or null before the first validation.</param>
/// <param name="RngState">The trainer's <see cref="Xoshiro256.StateString"/>.</param>
/// <param name="ConfigJson">The training configuration as JSON.</param>
/// <param name="LabelSet">Label set name.</param>
/// <param name="LabelSetVersion">Label table version.</param>
internal sealed record CheckpointInfo(string Model, int Epoch, long GlobalStep, double? BestMetric, string RngState, string ConfigJson,
    string LabelSet, string LabelSetVersion)
{
    /// <summary>Version of this checkpoint layout (keys <c>model.*</c>, <c>optim.*</c> and this record).</summary>
    public const int CurrentFormatVersion = 1;
    public const string MetadataKey = "faceparse.checkpoint";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>The record for a run's current state (captures <paramref name="rng"/>'s state now).</summary>
    public static CheckpointInfo Create(string model, int epoch, long globalStep, double? bestMetric, Xoshiro256 rng, string configJson, LabelSet labels) =>
        new(model, epoch, globalStep, bestMetric, rng.StateString, configJson, labels.Name, labels.Version);

    /// <summary>The safetensors metadata map holding this record.</summary>
    public Dictionary<string, string> ToMetadata() => new(StringComparer.Ordinal) { [MetadataKey] = JsonSerializer.Serialize(this, Json) };

    /// <summary>Parses the record from a checkpoint's metadata.</summary>
    /// <exception cref="CheckpointMismatchException">No FaceParse record, an unreadable one, or another format version.</exception>
    public static CheckpointInfo FromMetadata(IReadOnlyDictionary<string, string> metadata, string path)
    {
        if (!metadata.TryGetValue(MetadataKey, out var json))
            throw new CheckpointMismatchException($"{path} is not a FaceParse training checkpoint (no '{MetadataKey}' metadata).", path);
        CheckpointInfo? info;
        try { info = JsonSerializer.Deserialize<CheckpointInfo>(json, Json); }
        catch (JsonException e) { throw new CheckpointMismatchException($"{path}: unreadable checkpoint metadata ({e.Message}).", path); }
        if (info is null) throw new CheckpointMismatchException($"{path}: empty checkpoint metadata.", path);
        if (info.FormatVersion != CurrentFormatVersion)
            throw new CheckpointMismatchException($"{path} has checkpoint format version {info.FormatVersion}; this build reads version {CurrentFormatVersion}.", path);
        return info;
    }

    /// <summary>A new generator in the recorded state.</summary>
    public Xoshiro256 RestoreRng() => Xoshiro256.FromStateString(RngState);

    /// <summary>Throws unless this checkpoint belongs to the same model, label set and configuration (config compared as JSON
    /// values, so formatting and key order do not matter; the message lists the top-level keys that differ).</summary>
    public void EnsureCompatible(string model, LabelSet labels, string configJson, string path)
    {
        var problems = new List<string>();
        if (!string.Equals(Model, model, StringComparison.Ordinal)) problems.Add($"model '{Model}', expected '{model}'");
        if (LabelSet != labels.Name || LabelSetVersion != labels.Version)
            problems.Add($"label set '{LabelSet}' v{LabelSetVersion}, expected '{labels.Name}' v{labels.Version}");
        var differing = DifferingKeys(ConfigJson, configJson);
        if (differing.Count > 0) problems.Add($"configuration differs in {string.Join(", ", differing)}");
        if (problems.Count > 0)
            throw new CheckpointMismatchException($"Checkpoint {path} does not match this run: {string.Join("; ", problems)}. " +
                "Start a new run directory or resume with the original settings.", path);
    }

    private static List<string> DifferingKeys(string savedJson, string currentJson)
    {
        JsonNode? saved, current;
        try
        {
            saved = JsonNode.Parse(savedJson);
            current = JsonNode.Parse(currentJson);
        }
        catch (JsonException)
        {
            return savedJson == currentJson ? [] : ["(unparseable JSON)"];
        }
        if (saved is JsonObject a && current is JsonObject b)
            return [.. a.Select(p => p.Key).Union(b.Select(p => p.Key)).Order(StringComparer.Ordinal)
                .Where(k => !JsonNode.DeepEquals(a[k], b[k]))];
        return JsonNode.DeepEquals(saved, current) ? [] : ["(whole document)"];
    }
}
