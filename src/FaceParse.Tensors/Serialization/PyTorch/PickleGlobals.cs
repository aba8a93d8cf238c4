namespace FaceParse.Tensors.Serialization.PyTorch;

/// <summary>The allow-list: every global a checkpoint may name, each mapped to a plain data constructor written here.
/// Nothing is looked up by name through reflection or any interpreter; an unlisted global is refused.</summary>
public static class PickleGlobals
{
    private static readonly Dictionary<string, TorchDType> StorageTypes = new(StringComparer.Ordinal)
    {
        ["FloatStorage"] = TorchDType.Float32, ["DoubleStorage"] = TorchDType.Float64, ["HalfStorage"] = TorchDType.Float16,
        ["BFloat16Storage"] = TorchDType.BFloat16, ["LongStorage"] = TorchDType.Int64, ["IntStorage"] = TorchDType.Int32,
        ["ShortStorage"] = TorchDType.Int16, ["CharStorage"] = TorchDType.Int8, ["ByteStorage"] = TorchDType.UInt8,
        ["BoolStorage"] = TorchDType.Bool, ["UntypedStorage"] = TorchDType.UInt8,
    };

    private static readonly Dictionary<string, TorchDType> DTypes = new(StringComparer.Ordinal)
    {
        ["float32"] = TorchDType.Float32, ["float"] = TorchDType.Float32, ["float64"] = TorchDType.Float64, ["double"] = TorchDType.Float64,
        ["float16"] = TorchDType.Float16, ["half"] = TorchDType.Float16, ["bfloat16"] = TorchDType.BFloat16,
        ["int64"] = TorchDType.Int64, ["long"] = TorchDType.Int64, ["int32"] = TorchDType.Int32, ["int"] = TorchDType.Int32,
        ["int16"] = TorchDType.Int16, ["short"] = TorchDType.Int16, ["int8"] = TorchDType.Int8, ["uint8"] = TorchDType.UInt8,
        ["bool"] = TorchDType.Bool,
    };

    private static readonly HashSet<string> Callables = new(StringComparer.Ordinal)
    {
        "collections.OrderedDict", "collections.Counter", "builtins.dict", "builtins.list", "builtins.tuple", "builtins.set",
        "builtins.frozenset", "torch.Size", "_codecs.encode",
        "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor", "torch._utils._rebuild_parameter",
    };

    /// <summary>Every allowed "module.name" (for documentation and `faceparse inspect`).</summary>
    public static IReadOnlyList<string> Allowed { get; } =
        [.. Callables.Order(StringComparer.Ordinal), .. StorageTypes.Keys.Select(k => "torch." + k), "torch.storage.UntypedStorage",
         .. DTypes.Keys.Select(k => "torch." + k)];

    /// <summary>The value a GLOBAL pushes: a <see cref="PickleGlobal"/> token for a callable or storage class, a
    /// <see cref="TorchDType"/> for a dtype object; null when the global is not allowed.</summary>
    internal static object? Resolve(string module, string name)
    {
        string full = $"{module}.{name}";
        if (Callables.Contains(full)) return new PickleGlobal(module, name);
        if ((module == "torch" && StorageTypes.ContainsKey(name)) || full == "torch.storage.UntypedStorage") return new PickleGlobal(module, name);
        if (module == "torch" && DTypes.TryGetValue(name, out var dtype)) return dtype;
        return null;
    }

    /// <summary>The element type a storage class names (the second item of a persistent id), or null if it is none.</summary>
    internal static TorchDType? StorageDType(object? storageType) => storageType switch
    {
        PickleGlobal { Module: "torch" or "torch.storage" } g when StorageTypes.TryGetValue(g.Name, out var t) => t,
        TorchDType t => t,
        _ => null,
    };

    /// <summary>REDUCE / NEWOBJ of an allowed global.</summary>
    internal static object Call(PickleGlobal global, PickleTuple args, bool newObj)
    {
        string full = global.ToString();
        if (newObj && full is not ("collections.OrderedDict" or "collections.Counter" or "builtins.dict" or "builtins.list" or "builtins.set"))
            throw Bad($"NEWOBJ of {full} is not supported");
        switch (full)
        {
            case "collections.OrderedDict": case "collections.Counter": case "builtins.dict":
            {
                var dict = new PickleDict(full == "builtins.dict" ? "dict" : full);
                if (args.Count > 1) throw Bad($"{full} takes at most one argument");
                if (args.Count == 1) FillDict(dict, args[0], full);
                return dict;
            }
            case "builtins.list": return new PickleList(args.Count == 0 ? [] : Items(args[0], full));
            case "builtins.tuple": case "torch.Size": return new PickleTuple(args.Count == 0 ? [] : Items(args[0], full).ToArray());
            case "builtins.set": case "builtins.frozenset":
            {
                var set = new PickleSet(full == "builtins.frozenset");
                if (args.Count > 0) set.Items.AddRange(Items(args[0], full));
                return set;
            }
            case "_codecs.encode":
                if (args.Count == 2 && args[0] is string text && args[1] is "latin1" or "latin-1")
                    return text.All(c => c <= 0xff) ? text.Select(c => (byte)c).ToArray() : throw Bad("_codecs.encode: text is not latin-1");
                throw Bad("_codecs.encode is allowed only as (str, 'latin1'), the way protocol 2 writes bytes");
            case "torch._utils._rebuild_tensor_v2":
                if (args.Count is < 6 or > 7) throw Bad($"_rebuild_tensor_v2 takes 6 or 7 arguments, got {args.Count}");
                if (args.Count == 7 && args[6] is not (null or PickleDict { Count: 0 }))
                    throw Bad("_rebuild_tensor_v2 with tensor metadata is not supported");
                return RebuildTensor(args, args[4] is true);
            case "torch._utils._rebuild_tensor":
                if (args.Count != 4) throw Bad($"_rebuild_tensor takes 4 arguments, got {args.Count}");
                return RebuildTensor(args, false);
            case "torch._utils._rebuild_parameter":
                if (args.Count != 3 || args[0] is not TorchTensor data) throw Bad("_rebuild_parameter needs (tensor, requires_grad, hooks)");
                data.IsParameter = true;
                return data;
            default:
                throw Bad($"{full} is a type marker and cannot be called");
        }
    }

    private static TorchTensor RebuildTensor(PickleTuple args, bool requiresGrad)
    {
        if (args[0] is not TorchStorage storage) throw Bad($"a tensor's storage is a {PickleMachine.Describe(args[0])}, not a persistent storage");
        return new TorchTensor(storage, Int(args[1], "storage offset"), Ints(args[2], "size"), Ints(args[3], "stride"), requiresGrad);
    }

    private static long Int(object? value, string what) => value is long v ? v : throw Bad($"tensor {what} is a {PickleMachine.Describe(value)}, not an int");

    private static long[] Ints(object? value, string what) => value is PickleTuple t
        ? t.Items.Select(v => Int(v, what)).ToArray()
        : throw Bad($"tensor {what} is a {PickleMachine.Describe(value)}, not a tuple");

    private static IEnumerable<object?> Items(object? iterable, string what) => iterable switch
    {
        PickleList l => l,
        PickleTuple t => t.Items,
        PickleSet s => s.Items,
        PickleDict d => d.Items.Keys,
        _ => throw Bad($"{what} of a {PickleMachine.Describe(iterable)}"),
    };

    private static void FillDict(PickleDict dict, object? source, string what)
    {
        if (source is PickleDict d)
        {
            foreach (var (k, v) in d.Items) dict.Items[k] = v;
            return;
        }
        foreach (var pair in Items(source, what))
        {
            var kv = pair switch
            {
                PickleTuple { Count: 2 } t => (t[0], t[1]),
                PickleList { Count: 2 } l => (l[0], l[1]),
                _ => throw Bad($"{what} of an item that is not a (key, value) pair"),
            };
            if (kv.Item1 is null || !PickleTree.IsHashable(kv.Item1)) throw Bad($"a {PickleMachine.Describe(kv.Item1)} cannot be a dictionary key");
            dict.Items[kv.Item1] = kv.Item2;
        }
    }

    private static InvalidDataException Bad(string message) => new($"pickle: {message}.");
}
