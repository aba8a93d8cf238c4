using System.Numerics;

namespace FaceParse.Tensors.Serialization.PyTorch;

// The plain values a checkpoint's pickle becomes. Leaves are null (None), bool, long, BigInteger (ints beyond 64 bits),
// double, string, byte[], TorchDType (a torch.float32-style global), PickleGlobal (an allowed global left as a value)
// and TorchTensor. Containers are PickleDict, PickleList, PickleTuple and PickleSet.

/// <summary>A Python dict, OrderedDict or Counter: keys in insertion order, plus attributes set through BUILD
/// (a module state dict's <c>_metadata</c>).</summary>
public sealed class PickleDict
{
    public PickleDict(string kind) => Kind = kind;

    /// <summary>"dict", "collections.OrderedDict" or "collections.Counter".</summary>
    public string Kind { get; }

    /// <summary>Entries in insertion order. Keys are hashable leaves or tuples.</summary>
    public OrderedDictionary<object, object?> Items { get; } = new(PickleKeyComparer.Instance);

    /// <summary>Attributes from BUILD (Python's <c>obj.__dict__.update(state)</c>), e.g. "_metadata".</summary>
    public Dictionary<string, object?> Attributes { get; } = new(StringComparer.Ordinal);

    public int Count => Items.Count;

    public bool TryGetValue(string key, out object? value) => Items.TryGetValue(key, out value);

    public override string ToString() => $"{Kind}({Count} items)";
}

/// <summary>A Python list.</summary>
public sealed class PickleList : List<object?>
{
    public PickleList() { }
    public PickleList(IEnumerable<object?> items) : base(items) { }
}

/// <summary>An immutable Python tuple (also torch.Size). Equality is element-wise, so tuples can key dictionaries.</summary>
public sealed class PickleTuple : IEquatable<PickleTuple>
{
    public static PickleTuple Empty { get; } = new([]);

    public PickleTuple(object?[] items)
    {
        Items = items;
        int depth = 0;
        foreach (var item in items) depth = Math.Max(depth, item is PickleTuple t ? t.Depth : item is null || PickleTree.IsLeaf(item) ? 0 : 1);
        Depth = depth + 1;
    }

    public IReadOnlyList<object?> Items { get; }

    /// <summary>Tuple nesting depth, exact because tuples never change (bounded while unpickling).</summary>
    internal int Depth { get; }

    public int Count => Items.Count;
    public object? this[int index] => Items[index];

    public bool Equals(PickleTuple? other)
    {
        if (other is null || other.Count != Count) return false;
        for (int i = 0; i < Count; i++)
            if (!PickleKeyComparer.Instance.Equals(Items[i], other.Items[i])) return false;
        return true;
    }

    public override bool Equals(object? obj) => obj is PickleTuple t && Equals(t);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var item in Items) hash.Add(PickleKeyComparer.Instance.GetHashCode(item!));
        return hash.ToHashCode();
    }

    public override string ToString() => $"tuple({Count})";
}

/// <summary>A Python set or frozenset.</summary>
public sealed class PickleSet(bool frozen)
{
    public bool Frozen { get; } = frozen;
    public List<object?> Items { get; } = [];
}

/// <summary>An allow-listed global that stayed a value instead of being called (e.g. a storage class).</summary>
public sealed record PickleGlobal(string Module, string Name)
{
    public override string ToString() => $"{Module}.{Name}";
}

/// <summary>Dictionary keys compare like Python's for the hashable plain values (tuples element-wise, bytes by content).</summary>
internal sealed class PickleKeyComparer : IEqualityComparer<object>
{
    public static PickleKeyComparer Instance { get; } = new();

    public new bool Equals(object? x, object? y) => (x, y) switch
    {
        (null, null) => true,
        (null, _) or (_, null) => false,
        (byte[] a, byte[] b) => a.AsSpan().SequenceEqual(b),
        (long a, BigInteger b) => b == a,
        (BigInteger a, long b) => a == b,
        _ => x.Equals(y),
    };

    public int GetHashCode(object obj) => obj switch
    {
        byte[] b => b.Length,
        BigInteger b when b >= long.MinValue && b <= long.MaxValue => ((long)b).GetHashCode(),
        _ => obj.GetHashCode(),
    };
}
