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
        "Concat", "ConvTranspose", "Div", "Erf", "HardSigmoid", "HardSwish", "LayerNormalization", "Max", "MaxPool", "Pad",
        "ReduceL2", "Resize", "Sigmoid", "Slice", "Softmax", "Transpose",
    };

    /// <summary>Operators whose definition (as emitted here) needs an opset above <see cref="MinOpset"/>.</summary>
    public static IReadOnlyDictionary<string, int> FirstOpset { get; } = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["HardSwish"] = 14, ["LayerNormalization"] = 17,
    };

    /// <summary>Opsets whose definitions of every <see cref="Supported"/> operator we emit correctly (13: Gather/MatMul/Gemm
    /// as used here; 18 moved ReduceMean's and ReduceL2's axes to an input, handled below). Operators defined later
    /// (<see cref="FirstOpset"/>) are refused per graph by <see cref="RequireOpset"/>.</summary>
    public static void CheckOpset(int opset)
    {
        if (opset is < MinOpset or > MaxOpset)
            throw new OnnxExportException($"ONNX export: opset {opset} is not supported (use {MinOpset}–{MaxOpset}; default {DefaultOpset}).");
    }

    /// <summary>Refuses an operator the graph's opset does not define (see <see cref="FirstOpset"/>).</summary>
    /// <exception cref="OnnxExportException">The opset is below the operator's first version.</exception>
    public static void RequireOpset(this OnnxGraph g, string opType, string what)
    {
        if (FirstOpset.TryGetValue(opType, out int first) && g.Opset < first)
            throw new OnnxExportException($"ONNX export: {what} needs the {opType} operator, defined from opset {first}; opset {g.Opset} was asked for (use --opset {Math.Max(first, DefaultOpset)}).");
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

    // x / y with broadcasting (torch.div)
    public static string Div(this OnnxGraph g, string a, string b) => g.Node("Div", [a, b]);

    // torch.maximum with broadcasting (used as clamp(min=c) with a constant c)
    public static string Max(this OnnxGraph g, string a, string b) => g.Node("Max", [a, b]);

    // torch.sigmoid: 1/(1 + e^−x)
    public static string Sigmoid(this OnnxGraph g, string x) => g.Node("Sigmoid", [x]);

    // torch.nn.functional.hardsigmoid: relu6(x + 3)/6 = max(0, min(1, x/6 + 1/2))
    public static string HardSigmoid(this OnnxGraph g, string x) =>
        g.Node("HardSigmoid", [x], new OnnxAttribute("alpha", Float: 1f / 6), new OnnxAttribute("beta", Float: 0.5f));

    // torch.nn.functional.hardswish: x·relu6(x + 3)/6 (opset 14)
    public static string HardSwish(this OnnxGraph g, string x)
    {
        g.RequireOpset("HardSwish", "hardswish");
        return g.Node("HardSwish", [x]);
    }

    // torch.erf (the exact GELU is written as 0.5·x·(1 + erf(x/√2)))
    public static string Erf(this OnnxGraph g, string x) => g.Node("Erf", [x]);

    // torch.softmax(x, axis)
    public static string Softmax(this OnnxGraph g, string x, int axis = -1) => g.Node("Softmax", [x], new OnnxAttribute("axis", Int: axis));

    // torch.permute(x, perm)
    public static string Transpose(this OnnxGraph g, string x, params long[] perm) => g.Node("Transpose", [x], new OnnxAttribute("perm", Ints: perm));

    // torch.cat(xs, axis)
    public static string Concat(this OnnxGraph g, IReadOnlyList<string> xs, int axis) => g.Node("Concat", xs, new OnnxAttribute("axis", Int: axis));

    // x.narrow(axis, start, end − start) on each listed axis: starts, ends, axes as int64 constants, step 1
    public static string Slice(this OnnxGraph g, string x, long[] starts, long[] ends, long[] axes) =>
        g.Node("Slice", [x, g.Constant("starts", starts, starts.Length), g.Constant("ends", ends, ends.Length), g.Constant("axes", axes, axes.Length)]);

    // torch.nn.functional.pad(x, mode='constant', value=0) with ONNX pads [begin_0..begin_{r−1}, end_0..end_{r−1}] (all ≥ 0)
    public static string Pad(this OnnxGraph g, string x, long[] pads) =>
        g.Node("Pad", [x, g.Constant("pads", pads, pads.Length)], new OnnxAttribute("mode", Text: "constant"));

    // torch.nn.functional.max_pool2d(x, kernel, stride, padding) (square, floor mode, padding with −∞): x[N,C,H,W] -> [N,C,Ho,Wo]
    public static string MaxPool(this OnnxGraph g, string x, int kernel, int stride, int padding) =>
        g.Node("MaxPool", [x], new OnnxAttribute("kernel_shape", Ints: [kernel, kernel]), new OnnxAttribute("strides", Ints: [stride, stride]),
            new OnnxAttribute("pads", Ints: [padding, padding, padding, padding]));

    // torch.nn.functional.conv_transpose2d (square kernel and stride, no padding): x[N,Ci,H,W], w[Ci,Co,k,k], b[Co] -> [N,Co,(H−1)s+k,(W−1)s+k]
    public static string ConvTranspose(this OnnxGraph g, string x, string w, string? b, int kernel, int stride) =>
        g.Node("ConvTranspose", b is null ? [x, w] : [x, w, b],
            new OnnxAttribute("kernel_shape", Ints: [kernel, kernel]), new OnnxAttribute("strides", Ints: [stride, stride]));

    // torch.nn.functional.layer_norm over the last axis (opset 17): x[..,D], scale[D], bias[D] -> [..,D]
    public static string LayerNormalization(this OnnxGraph g, string x, string scale, string bias, float eps)
    {
        g.RequireOpset("LayerNormalization", "layer normalisation");
        return g.Node("LayerNormalization", [x, scale, bias], new OnnxAttribute("axis", Int: -1), new OnnxAttribute("epsilon", Float: eps));
    }

    // torch.linalg.vector_norm(x, dim=axes, keepdim=True): x[..,D] -> [..,1]; 18 moved the axes to an input
    public static string ReduceL2(this OnnxGraph g, string x, long[] axes) =>
        g.Opset >= 18
            ? g.Node("ReduceL2", [x, g.Constant("axes", axes, axes.Length)], new OnnxAttribute("keepdims", Int: 1))
            : g.Node("ReduceL2", [x], new OnnxAttribute("axes", Ints: axes), new OnnxAttribute("keepdims", Int: 1));

    /// <summary>torch.nn.functional.interpolate(x, size=(outH, outW), mode='bilinear', align_corners=False) without
    /// antialiasing: Resize 'linear' with 'half_pixel' coordinates (source = (dst + ½)·in/out − ½, clamped at the border).
    /// The batch stays symbolic, so the node takes scales [1, 1, outH/inH, outW/inW]; each scale is the float nearest
    /// out/in from above for which ⌊in·scale⌋ is exactly out whether the product is taken in float (ONNX Runtime's kernel)
    /// or exactly (ONNX shape inference).</summary>
    // x[N,C,inH,inW] -> [N,C,outH,outW]
    public static string ResizeBilinear(this OnnxGraph g, string x, int inH, int inW, int outH, int outW) =>
        g.Node("Resize", [x, "", g.Constant("scales", [1f, 1f, ResizeScale(inH, outH), ResizeScale(inW, outW)], 4)],
            new OnnxAttribute("mode", Text: "linear"), new OnnxAttribute("coordinate_transformation_mode", Text: "half_pixel"));

    // The smallest float s with s·in ≥ out exactly; then ⌊s·in⌋ = out both exactly and rounded to float.
    internal static float ResizeScale(int input, int output)
    {
        float s = (float)output / input;
        while ((double)s * input < output) s = MathF.BitIncrement(s);
        if ((long)((double)s * input) != output || (long)(s * input) != output)
            throw new OnnxExportException($"ONNX export: no float scale maps {input} onto {output} pixels.");
        return s;
    }
}
