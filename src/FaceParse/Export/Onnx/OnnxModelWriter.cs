namespace FaceParse.Export.Onnx;

/// <summary>Serialises an <see cref="OnnxGraph"/> as an ONNX ModelProto. Field numbers are those of the public onnx.proto
/// (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto, TypeProto, TensorShapeProto,
/// OperatorSetIdProto, StringStringEntryProto); only the fields we write are named here.</summary>
public static class OnnxModelWriter
{
    // ModelProto
    private const int ModelIrVersion = 1, ModelProducerName = 2, ModelProducerVersion = 3, ModelDocString = 6, ModelGraph = 7, ModelOpsetImport = 8, ModelMetadataProps = 14;
    // OperatorSetIdProto, StringStringEntryProto
    private const int OpsetDomain = 1, OpsetVersion = 2, EntryKey = 1, EntryValue = 2;
    // GraphProto
    private const int GraphNode = 1, GraphName = 2, GraphInitializer = 5, GraphInput = 11, GraphOutput = 12;
    // NodeProto
    private const int NodeInput = 1, NodeOutput = 2, NodeName = 3, NodeOpType = 4, NodeAttribute = 5;
    // AttributeProto and its AttributeType values
    private const int AttrName = 1, AttrF = 2, AttrI = 3, AttrS = 4, AttrInts = 8, AttrType = 20;
    private const int AttrTypeFloat = 1, AttrTypeInt = 2, AttrTypeString = 3, AttrTypeInts = 7;
    // TensorProto and its DataType values
    private const int TensorDims = 1, TensorDataType = 2, TensorName = 8, TensorRawData = 9;
    private const int DataTypeFloat = 1, DataTypeInt64 = 7;
    // ValueInfoProto, TypeProto, TypeProto.Tensor, TensorShapeProto, TensorShapeProto.Dimension
    private const int ValueName = 1, ValueType = 2, TypeTensor = 1, TensorElemType = 1, TensorShape = 2, ShapeDim = 1, DimValue = 1, DimParam = 2;

    /// <summary>The IR version that goes with an opset (8 up to opset 18, 9 for 19–20, 10 for 21).</summary>
    public static int IrVersion(int opset) => opset <= 18 ? 8 : opset <= 20 ? 9 : 10;

    /// <summary>The ModelProto bytes of <paramref name="graph"/> with <paramref name="metadata"/> as metadata_props.</summary>
    public static byte[] ToBytes(OnnxGraph graph, IEnumerable<KeyValuePair<string, string>> metadata, string graphName, string docString)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var model = new ProtoWriter()
            .Int(ModelIrVersion, IrVersion(graph.Opset))
            .String(ModelProducerName, "FaceParse")
            .String(ModelProducerVersion, typeof(OnnxModelWriter).Assembly.GetName().Version?.ToString() ?? "0")
            .String(ModelDocString, docString)
            .Message(ModelOpsetImport, o => o.String(OpsetDomain, "").Int(OpsetVersion, graph.Opset))
            .Message(ModelGraph, g => WriteGraph(g, graph, graphName));
        foreach (var (key, value) in metadata)
            model.Message(ModelMetadataProps, e => e.String(EntryKey, key).String(EntryValue, value));
        return model.ToArray();
    }

    private static void WriteGraph(ProtoWriter w, OnnxGraph graph, string name)
    {
        foreach (var node in graph.Nodes) w.Message(GraphNode, n => WriteNode(n, node));
        w.String(GraphName, name);
        foreach (var init in graph.Initializers) w.Message(GraphInitializer, t => WriteTensor(t, init));
        foreach (var input in graph.Inputs) w.Message(GraphInput, v => WriteValue(v, input));
        foreach (var output in graph.Outputs) w.Message(GraphOutput, v => WriteValue(v, output));
    }

    private static void WriteNode(ProtoWriter w, OnnxNode node)
    {
        foreach (string input in node.Inputs) w.String(NodeInput, input);
        foreach (string output in node.Outputs) w.String(NodeOutput, output);
        w.String(NodeName, node.Name).String(NodeOpType, node.OpType);
        foreach (var attribute in node.Attributes) w.Message(NodeAttribute, a => WriteAttribute(a, attribute));
    }

    private static void WriteAttribute(ProtoWriter w, OnnxAttribute a)
    {
        w.String(AttrName, a.Name);
        if (a.Ints is { } ints)
        {
            foreach (long v in ints) w.Int(AttrInts, v);
            w.Int(AttrType, AttrTypeInts);
        }
        else if (a.Int is { } i) w.Int(AttrI, i).Int(AttrType, AttrTypeInt);
        else if (a.Float is { } f) w.Float(AttrF, f).Int(AttrType, AttrTypeFloat);
        else if (a.Text is { } text) w.String(AttrS, text).Int(AttrType, AttrTypeString);
        else throw new ArgumentException($"ONNX export: attribute '{a.Name}' has no value.");
    }

    private static void WriteTensor(ProtoWriter w, OnnxInitializer t)
    {
        foreach (long d in t.Dims) w.Int(TensorDims, d);
        w.Int(TensorDataType, t.Floats is not null ? DataTypeFloat : DataTypeInt64);
        w.String(TensorName, t.Name);
        w.Bytes(TensorRawData, t.Floats is { } f ? ProtoWriter.LittleEndian(f) : ProtoWriter.LittleEndian(t.Longs!));
    }

    private static void WriteValue(ProtoWriter w, OnnxValue value)
    {
        w.String(ValueName, value.Name);
        w.Message(ValueType, type => type.Message(TypeTensor, tensor =>
        {
            tensor.Int(TensorElemType, DataTypeFloat);
            tensor.Message(TensorShape, shape =>
            {
                foreach (object d in value.Dims)
                    shape.Message(ShapeDim, dim =>
                    {
                        if (d is string symbol) dim.String(DimParam, symbol);
                        else dim.Int(DimValue, Convert.ToInt64(d, System.Globalization.CultureInfo.InvariantCulture));
                    });
            });
        }));
    }
}
