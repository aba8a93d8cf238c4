using System.Numerics;

namespace FaceParse.Tensors.Serialization.PyTorch;

/// <summary>Walks and validates unpickled value trees.</summary>
public static class PickleTree
{
    /// <summary>True for values that hold no other values.</summary>
    public static bool IsLeaf(object? value) => value is null or bool or long or BigInteger or double or string or byte[]
        or TorchDType or PickleGlobal or TorchTensor or TorchStorage;

    internal static bool IsHashable(object value) => value is PickleTuple t ? t.Items.All(i => i is null || IsHashable(i))
        : value is not (PickleList or PickleDict or PickleSet or TorchTensor or TorchStorage);

    /// <summary>Children of a container (dict: keys and values; attributes too), empty for leaves.</summary>
    public static IEnumerable<object?> Children(object? value) => value switch
    {
        PickleDict d => d.Items.SelectMany(p => new[] { p.Key, p.Value }).Concat(d.Attributes.Values),
        PickleList l => l,
        PickleTuple t => t.Items,
        PickleSet s => s.Items,
        _ => [],
    };

    /// <summary>Throws <see cref="InvalidDataException"/> when the tree holds a cycle, nests deeper than
    /// <see cref="CheckpointLimits.MaxDepth"/>, or expands to more than <see cref="CheckpointLimits.MaxTreeNodes"/> values
    /// (shared sub-containers counted at every place they appear), so recursive consumers are safe afterwards.</summary>
    internal static void Validate(object? root, CheckpointLimits limits)
    {
        // Iterative post-order walk; per container: its depth and expanded size, computed once (shared ones are reused).
        var done = new Dictionary<object, (int Depth, long Size)>(ReferenceEqualityComparer.Instance);
        var onPath = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(object Node, IEnumerator<object?> Children, int Depth, long Size)>();
        if (IsLeaf(root)) return;
        stack.Push((root!, Children(root).GetEnumerator(), 1, 1));
        onPath.Add(root!);
        while (stack.Count > 0)
        {
            var (node, children, depth, size) = stack.Pop();
            if (children.MoveNext())
            {
                var child = children.Current;
                if (IsLeaf(child)) { stack.Push((node, children, depth, size + 1)); continue; }
                if (done.TryGetValue(child!, out var known))
                {
                    stack.Push((node, children, Math.Max(depth, known.Depth + 1), Saturate(size + known.Size, limits)));
                    continue;
                }
                if (!onPath.Add(child!)) throw new InvalidDataException("pickle: a container contains itself (cycles are not supported).");
                if (stack.Count + 1 >= limits.MaxDepth) throw new InvalidDataException($"pickle: values nest deeper than {limits.MaxDepth} levels.");
                stack.Push((node, children, depth, size));
                stack.Push((child!, Children(child).GetEnumerator(), 1, 1));
                continue;
            }
            onPath.Remove(node);
            done[node] = (depth, size);
            if (stack.Count > 0)
            {
                var parent = stack.Pop();
                stack.Push((parent.Node, parent.Children, Math.Max(parent.Depth, depth + 1), Saturate(parent.Size + size, limits)));
            }
        }
    }

    private static long Saturate(long size, CheckpointLimits limits) =>
        size > limits.MaxTreeNodes ? throw new InvalidDataException($"pickle: the value tree expands to more than {limits.MaxTreeNodes} values.") : size;

    /// <summary>Every tensor under <paramref name="root"/> with its key path ("a.b.0.c"); dict keys that are not strings or
    /// ints are skipped. Attributes (such as _metadata) are not walked.</summary>
    public static IEnumerable<(string Path, TorchTensor Tensor)> Tensors(object? root, string prefix = "")
    {
        switch (root)
        {
            case TorchTensor t: yield return (prefix, t); break;
            case PickleDict d:
                foreach (var (k, v) in d.Items)
                    if (k is string or long)
                        foreach (var item in Tensors(v, Join(prefix, Convert.ToString(k, System.Globalization.CultureInfo.InvariantCulture)!))) yield return item;
                break;
            case PickleList or PickleTuple:
                int i = 0;
                foreach (var v in Children(root))
                    foreach (var item in Tensors(v, Join(prefix, (i++).ToString(System.Globalization.CultureInfo.InvariantCulture)))) yield return item;
                break;
        }
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;
}
