namespace FaceParse.Export.Onnx;

/// <summary>The ONNX operators our exporters emit, one typed helper each (the only way exporters add nodes), with the PyTorch
/// or FaceParse operation each reproduces. Every operator here has one-node conformance tests against ONNX Runtime.</summary>
public static class OnnxOps
{
    public const int DefaultOpset = 17, MinOpset = 13, MaxOpset = 21;

    /// <summary>Operator types an exported graph may contain.</summary>
    public static IReadOnlySet<string> Supported { get; } = new SortedSet<string>(StringComparer.Ordinal)
    {
        "Add", "Conv", "Gather", "Gemm", "MatMul", "Mul", "ReduceMean", "Relu", "Reshape", "Sub",
    };

    /// <summary>Opsets whose definitions of every <see cref="Supported"/> operator we emit correctly (13: Gather/MatMul/Gemm
    /// as used here; 18 moved ReduceMean's axes to an input, handled below).</summary>
    public static void CheckOpset(int opset)
    {
        if (opset is < MinOpset or > MaxOpset)
            throw new OnnxExportException($"ONNX export: opset {opset} is not supported (use {MinOpset}–{MaxOpset}; default {DefaultOpset}).");
    }

    // Conv2d (torch.nn.functional.conv2d, square kernel, symmetric padding): x[N,Ci,H,W], w[Co,Ci/g,k,k], b[Co] -> [N,Co,Ho,Wo]
    public static string Conv(this OnnxGraph g, string x, string w, string? b, int kernel, int stride = 1, int padding = 0, int dilation = 1, int groups = 1) =>
        g.Node("Conv", b is null ? [x, w] : [x, w, b],
            new OnnxAttribute("kernel_shape", Ints: [kernel, kernel]), new OnnxAttribute("strides", Ints: [stride, stride]),
            new OnnxAttribute("pads", Ints: [padding, padding, padding, padding]), new OnnxAttribute("dilations", Ints: [dilation, dilation]),
            new OnnxAttribute("group", Int: groups));

    // relu: x -> max(x, 0)
    public static string Relu(this OnnxGraph g, string x) => g.Node("Relu", [x]);

    // Elementwise with NumPy broadcasting: a, b -> a + b, a - b, a · b
    public static string Add(this OnnxGraph g, string a, string b) => g.Node("Add", [a, b]);
    public static string Sub(this OnnxGraph g, string a, string b) => g.Node("Sub", [a, b]);
    public static string Mul(this OnnxGraph g, string a, string b) => g.Node("Mul", [a, b]);

    // torch.matmul with batch broadcasting: a[..,M,K], b[..,K,N] -> [..,M,N]
    public static string MatMul(this OnnxGraph g, string a, string b) => g.Node("MatMul", [a, b]);

    // nn.Linear: x[N,K], w[M,K], b[M] -> x·wᵀ + b [N,M]
    public static string Linear(this OnnxGraph g, string x, string w, string b) => g.Node("Gemm", [x, w, b], new OnnxAttribute("transB", Int: 1));

    // torch.index_select(x, axis, indices): x[.., D, ..], indices[M] (int64) -> [.., M, ..]
    public static string Gather(this OnnxGraph g, string x, string indices, int axis) => g.Node("Gather", [x, indices], new OnnxAttribute("axis", Int: axis));

    // reshape: 0 keeps the input's dimension (so the batch stays symbolic), -1 is inferred
    public static string Reshape(this OnnxGraph g, string x, params long[] shape) =>
        g.Node("Reshape", [x, g.Constant("shape", shape, shape.Length)]);

    // x.mean(axes) without keepdim: x[N,C,H,W], axes [2,3] -> [N,C]
    public static string ReduceMean(this OnnxGraph g, string x, long[] axes, bool keepDims = false) =>
        g.Opset >= 18
            ? g.Node("ReduceMean", [x, g.Constant("axes", axes, axes.Length)], new OnnxAttribute("keepdims", Int: keepDims ? 1 : 0))
            : g.Node("ReduceMean", [x], new OnnxAttribute("axes", Ints: axes), new OnnxAttribute("keepdims", Int: keepDims ? 1 : 0));
}
