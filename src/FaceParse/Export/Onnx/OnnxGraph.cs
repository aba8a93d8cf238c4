namespace FaceParse.Export.Onnx;

/// <summary>A node attribute: an int, a list of ints, a float or a string (the only kinds our exporters emit).</summary>
public sealed record OnnxAttribute(string Name, long? Int = null, long[]? Ints = null, float? Float = null, string? Text = null);

/// <summary>One ONNX node: operator, input and output value names, attributes.</summary>
public sealed record OnnxNode(string OpType, string Name, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs, IReadOnlyList<OnnxAttribute> Attributes);

/// <summary>A constant tensor of the graph (weights, shapes, indices): float32 or int64 values with their dimensions.</summary>
public sealed record OnnxInitializer(string Name, long[] Dims, float[]? Floats, long[]? Longs);

/// <summary>A graph input or output: name and dimensions, where a dimension is a number or a symbolic name such as "N".</summary>
public sealed record OnnxValue(string Name, IReadOnlyList<object> Dims);

/// <summary>Builds an ONNX graph (opset <see cref="Opset"/>) node by node. Every operator goes through <see cref="Node"/>,
/// which refuses operators outside <see cref="OnnxOps.Supported"/> with an error naming the operator, so an export either
/// uses operators the conformance tests cover or fails before anything is written.</summary>
public sealed class OnnxGraph
{
    private readonly List<OnnxNode> _nodes = [];
    private readonly List<OnnxInitializer> _initializers = [];
    private readonly HashSet<string> _names = [];
    private int _counter;

    public OnnxGraph(int opset = OnnxOps.DefaultOpset)
    {
        OnnxOps.CheckOpset(opset);
        Opset = opset;
    }

    public int Opset { get; }
    public IReadOnlyList<OnnxNode> Nodes => _nodes;
    public IReadOnlyList<OnnxInitializer> Initializers => _initializers;
    public List<OnnxValue> Inputs { get; } = [];
    public List<OnnxValue> Outputs { get; } = [];

    /// <summary>Operator types used so far, for reports and the conformance tests.</summary>
    public IEnumerable<string> OpTypes => _nodes.Select(n => n.OpType).Distinct();

    /// <summary>A value name not used yet, built from <paramref name="hint"/>.</summary>
    public string Fresh(string hint)
    {
        string name = hint;
        while (!_names.Add(name)) name = $"{hint}_{++_counter}";
        return name;
    }

    /// <summary>A float32 constant; returns its (unique) name.</summary>
    public string Constant(string hint, float[] values, params long[] dims)
    {
        CheckCount(hint, values.LongLength, dims);
        string name = Fresh(hint);
        _initializers.Add(new OnnxInitializer(name, dims, values, null));
        return name;
    }

    /// <summary>An int64 constant (shapes, indices); returns its name.</summary>
    public string Constant(string hint, long[] values, params long[] dims)
    {
        CheckCount(hint, values.LongLength, dims);
        string name = Fresh(hint);
        _initializers.Add(new OnnxInitializer(name, dims, null, values));
        return name;
    }

    /// <summary>Adds a node with one output and returns the output's name.</summary>
    /// <exception cref="OnnxExportException">The operator is not one our exporters may emit.</exception>
    public string Node(string opType, IReadOnlyList<string> inputs, params OnnxAttribute[] attributes)
    {
        if (!OnnxOps.Supported.Contains(opType))
            throw new OnnxExportException($"ONNX export: operator '{opType}' is not supported (supported: {string.Join(", ", OnnxOps.Supported)}).");
        string output = Fresh(opType.ToLowerInvariant());
        _nodes.Add(new OnnxNode(opType, Fresh("node_" + output), inputs, [output], attributes));
        return output;
    }

    /// <summary>Declares a graph input of float32 values.</summary>
    public string Input(string name, params object[] dims)
    {
        if (!_names.Add(name)) throw new ArgumentException($"ONNX export: value name '{name}' is already used.");
        Inputs.Add(new OnnxValue(name, dims));
        return name;
    }

    /// <summary>Declares <paramref name="value"/> a graph output under <paramref name="name"/> (renaming the node output).</summary>
    public void Output(string value, string name, params object[] dims)
    {
        int index = _nodes.FindLastIndex(n => n.Outputs.Contains(value));
        if (index < 0) throw new ArgumentException($"ONNX export: '{value}' is not produced by any node.");
        if (!_names.Add(name)) throw new ArgumentException($"ONNX export: value name '{name}' is already used.");
        var node = _nodes[index];
        _nodes[index] = node with { Outputs = [.. node.Outputs.Select(o => o == value ? name : o)] };
        for (int i = index + 1; i < _nodes.Count; i++)
            if (_nodes[i].Inputs.Contains(value)) _nodes[i] = _nodes[i] with { Inputs = [.. _nodes[i].Inputs.Select(o => o == value ? name : o)] };
        Outputs.Add(new OnnxValue(name, dims));
    }

    private static void CheckCount(string hint, long count, long[] dims)
    {
        long expected = dims.Aggregate(1L, (a, d) => a * d);
        if (expected != count) throw new ArgumentException($"ONNX export: constant '{hint}' has {count} values for dims [{string.Join(", ", dims)}].");
    }
}

/// <summary>An export that cannot be expressed: an architecture, operator, option or size the exporters do not support.
/// Nothing has been written when it is thrown.</summary>
public sealed class OnnxExportException(string message) : Exception(message);
