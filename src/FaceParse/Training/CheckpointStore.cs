using FaceParse.Labels;
using FaceParse.Nn;
using FaceParse.Nn.Optimizers;
using FaceParse.Tensors;
using FaceParse.Tensors.Serialization;

namespace FaceParse.Training;

/// <summary>A loaded training checkpoint: its record, the model state dict and the optimiser state dict (prefixes removed).</summary>
internal sealed record Checkpoint(string Path, CheckpointInfo Info, Dictionary<string, Tensor> Model, Dictionary<string, Tensor> Optimizer)
{
    /// <summary>Loads the model and optimiser state (both validated before anything changes) and returns the trainer's RNG.</summary>
    public Xoshiro256 Restore(Module model, Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        model.LoadStateDict(Model);
        optimizer.LoadStateDict(Optimizer);
        return Info.RestoreRng();
    }
}

/// <summary>The checkpoints of one run directory: <c>last.safetensors</c> (every epoch) and <c>best.safetensors</c> (best
/// validation metric), each ONE safetensors file with keys <c>model.&lt;key&gt;</c> and <c>optim.&lt;key&gt;</c> and a
/// <see cref="CheckpointInfo"/> in its metadata.</summary>
/// <remarks>Files are written with <see cref="AtomicFile"/> (temp file, fsync, rename), so a kill at any moment leaves the previous
/// checkpoint or the new one, never a torn file; opening the store removes leftover <c>*.tmp</c> files of a killed run.
/// A failed write (disk full, permissions) throws <see cref="IOException"/> and keeps the previous checkpoint byte-identical.</remarks>
internal sealed class CheckpointStore
{
    public const string LastFileName = "last.safetensors";
    public const string BestFileName = "best.safetensors";
    public const string ModelPrefix = "model.";
    public const string OptimizerPrefix = "optim.";

    private readonly Func<string, Stream>? _openTemp;

    /// <param name="runDir">The run directory (created if missing).</param>
    /// <param name="openTemp">Opens temporary files for writing; tests inject failing streams. Default: the file system.</param>
    public CheckpointStore(string runDir, Func<string, Stream>? openTemp = null)
    {
        RunDir = Path.GetFullPath(runDir);
        Directory.CreateDirectory(RunDir);
        _openTemp = openTemp;
        LeftoversRemoved = AtomicFile.CleanLeftovers(RunDir);
    }

    public string RunDir { get; }
    public string LastPath => Path.Combine(RunDir, LastFileName);
    public string BestPath => Path.Combine(RunDir, BestFileName);
    /// <summary>How many stale temporary files opening the store deleted.</summary>
    public int LeftoversRemoved { get; }

    public void SaveLast(CheckpointInfo info, Module model, Optimizer optimizer) => Save(LastPath, info, model.StateDict(), optimizer.StateDict());

    public void SaveBest(CheckpointInfo info, Module model, Optimizer optimizer) => Save(BestPath, info, model.StateDict(), optimizer.StateDict());

    /// <summary>Writes one checkpoint file atomically.</summary>
    /// <exception cref="IOException">The write failed; the previous file at <paramref name="path"/> is unchanged.</exception>
    public void Save(string path, CheckpointInfo info, IReadOnlyDictionary<string, Tensor> model, IReadOnlyDictionary<string, Tensor> optimizer)
    {
        ArgumentNullException.ThrowIfNull(info);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, t) in model) tensors[ModelPrefix + key] = t;
        foreach (var (key, t) in optimizer) tensors[OptimizerPrefix + key] = t;
        var metadata = info.ToMetadata();
        AtomicFile.Write(path, stream => SafeTensors.Save(stream, tensors, metadata), _openTemp);
    }

    /// <summary><c>last.safetensors</c>, or null when the run has none yet (a fresh run).</summary>
    public Checkpoint? TryLoadLast() => File.Exists(LastPath) ? Load(LastPath) : null;

    /// <summary>Loads <c>last.safetensors</c> for <c>--resume</c> and checks it belongs to this model, label set and config.</summary>
    /// <exception cref="FileNotFoundException">The run has no checkpoint.</exception>
    /// <exception cref="CheckpointMismatchException">It belongs to another model, label set or configuration.</exception>
    public Checkpoint LoadForResume(string model, LabelSet labels, string configJson)
    {
        if (!File.Exists(LastPath)) throw new FileNotFoundException($"Cannot resume: {RunDir} has no {LastFileName}.", LastPath);
        var checkpoint = Load(LastPath);
        checkpoint.Info.EnsureCompatible(model, labels, configJson, LastPath);
        return checkpoint;
    }

    /// <summary>Reads a checkpoint file and splits its tensors by prefix.</summary>
    /// <exception cref="InvalidDataException">The file is not valid safetensors (message names the file).</exception>
    /// <exception cref="CheckpointMismatchException">No FaceParse record, another format version, or keys without a known prefix.</exception>
    public static Checkpoint Load(string path)
    {
        SafeTensorsFile file;
        try { file = SafeTensors.Load(path); }
        catch (InvalidDataException e) { throw new InvalidDataException($"Checkpoint {path} is damaged: {e.Message}", e); }
        var info = CheckpointInfo.FromMetadata(file.Metadata, path);
        var model = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var optimizer = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, t) in file.Tensors)
        {
            if (key.StartsWith(ModelPrefix, StringComparison.Ordinal)) model[key[ModelPrefix.Length..]] = t;
            else if (key.StartsWith(OptimizerPrefix, StringComparison.Ordinal)) optimizer[key[OptimizerPrefix.Length..]] = t;
            else throw new CheckpointMismatchException($"{path}: tensor '{key}' has neither the '{ModelPrefix}' nor the '{OptimizerPrefix}' prefix.", path);
        }
        return new Checkpoint(path, info, model, optimizer);
    }
}
