namespace FaceParse.Tensors.Serialization.PyTorch;

/// <summary>A checkpoint asked for something the restricted unpickler never does: a global outside the allow-list
/// (os.system, builtins.eval, an arbitrary class…) or an opcode that could call one (INST, OBJ, EXT*, …).</summary>
/// <remarks>Thrown while the pickle is read, before any tensor is built; nothing named in the file is ever looked up or run.</remarks>
public sealed class UnsafeCheckpointException : Exception
{
    public UnsafeCheckpointException(string file, string what)
        : base($"{file}: refused {what}: FaceParse loads only plain data from checkpoints (see README, 'PyTorch checkpoints')")
    {
        File = file;
        What = what;
    }

    /// <summary>The checkpoint's path (or the name given to the reader).</summary>
    public string File { get; }

    /// <summary>What was refused, e.g. "global 'os.system'" or "opcode INST".</summary>
    public string What { get; }
}

/// <summary>Bounds a hostile checkpoint cannot push the reader past; each one crossed is an <see cref="InvalidDataException"/>.</summary>
public sealed record CheckpointLimits
{
    /// <summary>Largest pickle stream (zip entry data.pkl, or one pickle of a legacy file).</summary>
    public long MaxPickleBytes { get; init; } = 256L << 20;

    /// <summary>Entries in the pickle memo (BINPUT/LONG_BINPUT/MEMOIZE).</summary>
    public int MaxMemo { get; init; } = 1 << 20;

    /// <summary>Values on the pickle stack at once.</summary>
    public int MaxStack { get; init; } = 100_000;

    /// <summary>Open MARKs at once.</summary>
    public int MaxMarks { get; init; } = 10_000;

    /// <summary>Nesting depth of the resulting value tree (containers inside containers).</summary>
    public int MaxDepth { get; init; } = 200;

    /// <summary>Values in the tree counted as a tree (a container reachable twice counts twice).</summary>
    public long MaxTreeNodes { get; init; } = 20_000_000;

    /// <summary>Sum of the bytes of all storages read (and of any one storage claimed by a persistent id).</summary>
    public long MaxTotalTensorBytes { get; init; } = 8L << 30;

    /// <summary>A compressed zip entry may not inflate more than this many times its compressed size.</summary>
    public int MaxCompressionRatio { get; init; } = 200;

    public static CheckpointLimits Default { get; } = new();
}
