using FaceParse.Tensors;

namespace FaceParse.Nn;

/// <summary>Hands tensors to layer constructors by key path, in the spirit of candle's VarBuilder: from a checkpoint
/// (<see cref="From"/>) or freshly initialised from a seeded generator (<see cref="Init(int)"/>).</summary>
/// <remarks>
/// A builder is a prefix plus a shared store: <c>vb.Sub("decoder").Sub(0).Get("weight", …)</c> asks for
/// <c>decoder.0.weight</c>. Tensors it returns are new contiguous leaves whose <see cref="Tensor.Name"/> is that key.
/// After building a model from a checkpoint, <see cref="UnusedKeys"/> lists what no layer asked for.
/// </remarks>
public sealed class VarBuilder
{
    private sealed class Store(IReadOnlyDictionary<string, Tensor>? source, Random rng, bool initMissing, bool collect = false)
    {
        public bool Collect { get; } = collect;
        public List<string> Missing { get; } = [];
        public List<string> Mismatched { get; } = [];
        public IReadOnlyDictionary<string, Tensor>? Source { get; } = source;
        public Random Rng { get; } = rng;
        public bool InitMissing { get; } = initMissing;
        public HashSet<string> Used { get; } = new(StringComparer.Ordinal);
    }

    private readonly Store _store;

    private VarBuilder(Store store, string prefix)
    {
        _store = store;
        Prefix = prefix;
    }

    /// <summary>Key path of this builder ("" at the root).</summary>
    public string Prefix { get; }

    /// <summary>True when tensors come from a checkpoint.</summary>
    public bool IsLoading => _store.Source is not null;

    /// <summary>The generator initialisers draw from (shared by all sub-builders, so construction order fixes the values).</summary>
    public Random Rng => _store.Rng;

    /// <summary>Everything initialised from <c>new Random(seed)</c>.</summary>
    public static VarBuilder Init(int seed) => Init(new Random(seed));

    public static VarBuilder Init(Random rng) => new(new Store(null, rng, true), "");

    /// <summary>Tensors taken from <paramref name="tensors"/> (a PyTorch state dict). A key the checkpoint lacks throws,
    /// unless <paramref name="initMissing"/>, in which case it is initialised from <paramref name="rng"/> (seed 0 if null).</summary>
    public static VarBuilder From(IReadOnlyDictionary<string, Tensor> tensors, bool initMissing = false, Random? rng = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        return new(new Store(tensors, rng ?? new Random(0), initMissing), "");
    }

    /// <summary>Like <see cref="From"/>, but a missing or mis-shaped tensor does not throw: it is recorded (see
    /// <see cref="Problems"/>) and a zero tensor of the model's shape stands in, so one build lists every problem at once.</summary>
    public static VarBuilder Checking(IReadOnlyDictionary<string, Tensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        return new(new Store(tensors, new Random(0), false, collect: true), "");
    }

    /// <summary>Missing keys (with the shape the model expects) and shape mismatches (both shapes) recorded by a
    /// <see cref="Checking"/> builder, plus unused checkpoint keys; empty lists when everything matched.</summary>
    public (IReadOnlyList<string> Missing, IReadOnlyList<string> Unexpected, IReadOnlyList<string> Mismatched) Problems() =>
        (_store.Missing, UnusedKeys(), _store.Mismatched);

    /// <summary>The builder for child <paramref name="name"/> (torch attribute name; no dots).</summary>
    public VarBuilder Sub(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.')) throw new ArgumentException($"Invalid path segment '{name}'.", nameof(name));
        return new(_store, Module.Join(Prefix, name));
    }

    /// <summary>The builder for element <paramref name="index"/> of a ModuleList/Sequential.</summary>
    public VarBuilder Sub(int index) => Sub(index.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Full key of <paramref name="name"/> under this builder.</summary>
    public string Key(string name) => Module.Join(Prefix, name);

    /// <summary>True when the checkpoint holds <paramref name="name"/> (always false when initialising).</summary>
    public bool Contains(string name) => _store.Source?.ContainsKey(Key(name)) == true;

    /// <summary>The tensor <paramref name="name"/> of shape <paramref name="shape"/>: a copy of the checkpoint's, or new and
    /// filled by <paramref name="init"/>.</summary>
    /// <exception cref="InvalidDataException">The checkpoint's tensor has another shape.</exception>
    /// <exception cref="KeyNotFoundException">The checkpoint lacks the key and missing keys are not initialised.</exception>
    public Tensor Get(string name, int[] shape, Initializer init)
    {
        string key = Key(name);
        if (_store.Source is { } source)
        {
            if (source.TryGetValue(key, out var stored))
            {
                if (!Shapes.Equal([.. stored.Shape], shape) && _store.Collect)
                {
                    _store.Used.Add(key);
                    _store.Mismatched.Add($"'{key}': checkpoint has shape {Shapes.Format(stored.Shape)}, the model expects {Shapes.Format(shape)}");
                    return Create(name, shape, FaceParse.Nn.Init.Zeros);
                }
                if (!Shapes.Equal([.. stored.Shape], shape))
                    throw new InvalidDataException($"Checkpoint tensor '{key}' has shape {Shapes.Format(stored.Shape)}, the model expects {Shapes.Format(shape)}.");
                _store.Used.Add(key);
                var copy = Tensor.Empty(shape);
                Module.CopyInto(stored, copy);
                copy.Name = key;
                return copy;
            }
            if (_store.Collect)
            {
                _store.Missing.Add($"'{key}' {Shapes.Format(shape)}");
                return Create(name, shape, FaceParse.Nn.Init.Zeros);
            }
            if (!_store.InitMissing) throw new KeyNotFoundException($"Checkpoint has no tensor '{key}' (expected shape {Shapes.Format(shape)}).");
        }
        return Create(name, shape, init);
    }

    /// <summary>A new tensor filled by <paramref name="init"/>, never read from the checkpoint (non-persistent buffers).</summary>
    public Tensor Create(string name, int[] shape, Initializer init)
    {
        ArgumentNullException.ThrowIfNull(init);
        var t = Tensor.Empty(shape);
        init(t, _store.Rng);
        t.Name = Key(name);
        return t;
    }

    /// <summary>Checkpoint keys no <see cref="Get"/> has asked for yet, sorted (empty when initialising).</summary>
    public IReadOnlyList<string> UnusedKeys() =>
        _store.Source is null ? [] : _store.Source.Keys.Where(k => !_store.Used.Contains(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
}
