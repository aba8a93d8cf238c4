using FaceParse.Architectures;
using FaceParse.Labels;
using FaceParse.Nn;
using FaceParse.Tensors;

namespace FaceParse.Inference;

/// <summary>Opens a PyTorch checkpoint (.pt/.pth, e.g. SegFace's official model_299.pt) as a model: the restricted reader
/// takes its state dict (<c>state_dict_backbone</c>, <c>state_dict</c>, <c>model</c> or the root; the optimiser state,
/// scheduler Counter and the rest are read and ignored), the architecture table recognises it
/// (<see cref="IArchitecture.Recognize"/>), and the weights load strictly.</summary>
public static class PyTorchImport
{
    /// <summary>The model a PyTorch checkpoint holds.</summary>
    /// <param name="path">The .pt file.</param>
    /// <param name="preset">Optional preset the checkpoint must be (e.g. segface-mobilenet): a checkpoint of another shape is
    /// refused with a message naming both.</param>
    /// <param name="labels">Optional label set (default: what the architecture says, e.g. "segface"); its class count must
    /// equal the checkpoint's.</param>
    /// <exception cref="InvalidDataException">Unreadable or unsafe file, no architecture fits (the message lists the five
    /// closest key mismatches), or the weights do not load (missing, unexpected and mis-shaped keys listed).</exception>
    /// <exception cref="ArgumentException">The checkpoint is not <paramref name="preset"/>, or <paramref name="labels"/>
    /// has another class count.</exception>
    public static SegmentationModel Load(string path, string? preset = null, string? labels = null)
    {
        var state = StateDicts.LoadPyTorch(path);
        if (state.Count > 0 && state.Keys.All(k => k.StartsWith("module.", StringComparison.Ordinal)))
            state = StateDicts.LoadPyTorch(path, stripPrefix: "module."); // saved from a DistributedDataParallel wrapper
        var found = ArchitectureRegistry.All.Select(a => (Architecture: a, Match: a.Recognize(state))).FirstOrDefault(m => m.Match is not null);
        if (found.Match is not { } match) throw new InvalidDataException($"'{path}' fits no known architecture ({state.Count} tensors). {ClosestMismatches(state)}");
        var architecture = found.Architecture;
        if (preset is not null)
        {
            var (wanted, exact) = ArchitectureRegistry.GetPreset(preset);
            if (wanted != architecture || !string.Equals(exact, match.Preset, StringComparison.OrdinalIgnoreCase))
                throw new ArgumentException($"'{path}' holds {match.Summary} ({match.Preset ?? architecture.Name}), not {exact}.");
        }
        int classes = architecture.ValidateConfig(match.ConfigJson);
        var set = LabelSets.TryGet(labels ?? match.Labels, out var s) ? s
            : throw new ArgumentException($"Unknown label set '{labels}'; known: {string.Join(", ", LabelSets.All.Select(l => l.Name))}.");
        if (set.Count != classes)
            throw new ArgumentException($"'{path}' holds {match.Summary} ({classes} classes); label set '{set.Name}' has {set.Count} classes.");
        var description = new ModelDescription(architecture.Name, Path.GetFileNameWithoutExtension(path), match.ConfigJson, set.Name, set.Version,
            architecture.DefaultInputSize)
        {
            Notes = $"Imported from the PyTorch checkpoint {Path.GetFileName(path)}: {match.Summary}.",
            FaceTemplate = match.FaceTemplate, FaceWarp = match.FaceWarp,
        };
        return SegmentationModel.Create(description, state);
    }

    /// <summary>For a state dict no architecture recognises: the preset sharing the most keys, and the five checkpoint keys
    /// closest (edit distance) to keys of that preset that differ from them.</summary>
    internal static string ClosestMismatches(IReadOnlyDictionary<string, Tensor> state)
    {
        (string Preset, List<string> Keys)? best = null;
        int bestShared = -1;
        foreach (var architecture in ArchitectureRegistry.All)
            foreach (string preset in architecture.Presets)
            {
                // Build against the checkpoint itself: stand-ins are made only for what it lacks, within the builder's placeholder
                // limit (4x the checkpoint); a preset needing more than that is far from this checkpoint and is passed over.
                List<string> keys;
                try { keys = architecture.Build(VarBuilder.Checking(state), architecture.PresetConfigJson(preset, 19)).Module.StateDict().Keys.ToList(); }
                catch (InvalidDataException) { continue; }
                int shared = keys.Count(state.ContainsKey);
                if (shared > bestShared) (best, bestShared) = ((preset, keys), shared);
            }
        if (best is not { } b) return "";
        var expected = b.Keys.Where(k => !state.ContainsKey(k)).Take(600).ToList();
        var known = b.Keys.ToHashSet(StringComparer.Ordinal);
        var pairs = state.Keys.Where(k => !known.Contains(k)).Take(300).Select(k =>
        {
            var nearest = expected.Count == 0 ? "" : expected.MinBy(e => Distance(k, e))!;
            return (Key: k, Nearest: nearest, D: expected.Count == 0 ? 0 : Distance(k, nearest));
        }).OrderBy(p => p.D).ThenBy(p => p.Key, StringComparer.Ordinal).Take(5).ToList();
        if (pairs.Count == 0 && expected.Count > 0) pairs = [.. expected.Take(5).Select(e => (Key: "(none)", Nearest: e, D: 0))];
        return $"Closest architecture: {b.Preset} ({bestShared} of {b.Keys.Count} keys shared); closest mismatches: " +
               string.Join("; ", pairs.Select(p => $"checkpoint '{p.Key}' vs model '{p.Nearest}'")) + ".";
    }

    // Levenshtein distance (keys are short).
    private static int Distance(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) prev[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= b.Length; j++)
                cur[j] = Math.Min(Math.Min(cur[j - 1], prev[j]) + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }
}
