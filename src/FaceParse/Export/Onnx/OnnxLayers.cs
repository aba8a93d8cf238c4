using FaceParse.Models.Backbones;
using FaceParse.Nn;
using FaceParse.Tensors;
using Epilogue = FaceParse.Tensors.Kernels.Epilogue;

namespace FaceParse.Export.Onnx;

/// <summary>Writes FaceParse.Nn layers as ONNX nodes through <see cref="OnnxOps"/>, in the form our eval-mode forward
/// computes them (batch norm folded into the convolution exactly as <c>BatchNormFolding</c> does). Each weight becomes one
/// initializer named after its PyTorch key, written once however often the graph uses it.</summary>
public sealed class OnnxLayers(OnnxGraph graph)
{
    private readonly Dictionary<Tensor, string> _weights = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Tensor, string> _transposed = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, string> _constants = [];

    public OnnxGraph Graph => graph;

    /// <summary>The initializer holding <paramref name="tensor"/> with <paramref name="dims"/> (default: its own shape).</summary>
    public string Weight(string key, Tensor tensor, params long[] dims)
    {
        if (_weights.TryGetValue(tensor, out string? name)) return name;
        name = graph.Constant(key, tensor.Contiguous().ToArray(), dims.Length > 0 ? dims : [.. tensor.Shape.Select(d => (long)d)]);
        _weights[tensor] = name;
        return name;
    }

    /// <summary>A float constant shared by every use of the same <paramref name="key"/> (scalars such as √½, ones, shift masks).</summary>
    public string Shared(string key, Func<float[]> values, params long[] dims)
    {
        if (_constants.TryGetValue(key, out string? name)) return name;
        name = graph.Constant(key, values(), dims);
        _constants[key] = name;
        return name;
    }

    /// <summary>A scalar constant [1] (broadcasts against anything).</summary>
    public string Scalar(float value) => Shared($"scalar_{BitConverter.SingleToInt32Bits(value):x8}", () => [value], 1);

    // nn.Conv2d (square kernel, stride, padding, dilation): x[N,Ci,H,W] -> [N,Co,Ho,Wo]
    public string Conv(string key, Conv2d conv, string x) =>
        Conv(key, conv, x, Weight(key + ".weight", conv.Weight), conv.Bias is null ? null : Weight(key + ".bias", conv.Bias));

    // Conv2d (bias-free) followed by eval-mode BatchNorm2d, folded into one Conv: x[N,Ci,H,W] -> [N,Co,Ho,Wo]
    public string ConvBn(string key, Conv2d conv, BatchNorm2d bn, string x)
    {
        var (w, b) = BatchNormFolding.Fold(conv, bn);
        return Conv(key, conv, x, graph.Constant(key + ".weight(bn)", w.ToArray(), [.. w.Shape.Select(d => (long)d)]),
            graph.Constant(key + ".bias(bn)", b.ToArray(), b.Count));
    }

    // torchvision Conv2dNormActivation in eval mode: act(bn(conv(x)))
    public string ConvBnAct(string key, ConvBnAct layer, string x) => Activation(ConvBn(key, layer.Conv, layer.Bn, x), layer.Activation, key);

    // The epilogue activations of our convolutions: x -> act(x)
    public string Activation(string x, Epilogue act, string where) => act switch
    {
        Epilogue.None => x,
        Epilogue.Relu => graph.Relu(x),
        Epilogue.Gelu => Gelu(x),
        Epilogue.Silu => Silu(x),
        Epilogue.HardSwish => graph.HardSwish(x),
        _ => throw new OnnxExportException($"ONNX export: {where} uses the activation {act}, which the exporter does not write."),
    };

    // nn.Linear on the last axis of a tensor of any rank ≥ 2: x[..,K] -> x·Wᵀ + b [..,M]
    public string Linear(string key, Linear linear, string x) => Linear(key, linear.Weight, linear.Bias, x);

    // x[..,K], w[M,K], b[M]? -> x·wᵀ + b [..,M]
    public string Linear(string key, Tensor weight, Tensor? bias, string x)
    {
        if (!_transposed.TryGetValue(weight, out string? wt))
            _transposed[weight] = wt = graph.Constant(key + ".weight.T", weight.Transpose(0, 1).Contiguous().ToArray(), weight.Dim(1), weight.Dim(0));
        string y = graph.MatMul(x, wt);
        return bias is null ? y : graph.Add(y, Weight(key + ".bias", bias));
    }

    // nn.LayerNorm over the last axis: x[..,D] -> [..,D]
    public string LayerNorm(string key, LayerNorm norm, string x)
    {
        int d = norm.NormalizedShape;
        string scale = norm.Weight is { } w ? Weight(key + ".weight", w) : Shared($"ones_{d}", () => Enumerable.Repeat(1f, d).ToArray(), d);
        string bias = norm.Bias is { } b ? Weight(key + ".bias", b) : Shared($"zeros_{d}", () => new float[d], d);
        return graph.LayerNormalization(x, scale, bias, norm.Eps);
    }

    // SAM/ConvNeXt LayerNorm2d, over the channels of each pixel: x[N,C,H,W] -> NHWC -> LayerNormalization -> [N,C,H,W]
    public string LayerNorm2d(string key, LayerNorm2d norm, string x)
    {
        string nhwc = graph.Transpose(x, 0, 2, 3, 1);
        string y = graph.LayerNormalization(nhwc, Weight(key + ".weight", norm.Weight), Weight(key + ".bias", norm.Bias), norm.Eps);
        return graph.Transpose(y, 0, 3, 1, 2);
    }

    // nn.ConvTranspose2d (square kernel, stride; no padding, output padding, groups or dilation): x[N,Ci,H,W] -> [N,Co,(H−1)s+k,(W−1)s+k]
    public string ConvTranspose(string key, ConvTranspose2d conv, string x)
    {
        if (conv.KernelSize.H != conv.KernelSize.W || conv.Stride.H != conv.Stride.W || conv.Padding != (Size2D)0 || conv.OutputPadding != (Size2D)0
            || conv.Dilation != (Size2D)1 || conv.Groups != 1)
            throw new OnnxExportException($"ONNX export: {key} is a transposed convolution with padding, groups, dilation or a non-square kernel, which the exporter does not write.");
        return graph.ConvTranspose(x, Weight(key + ".weight", conv.Weight), conv.Bias is null ? null : Weight(key + ".bias", conv.Bias), conv.KernelSize.H, conv.Stride.H);
    }

    // torch.nn.functional.gelu (approximate='none'): 0.5·x·(1 + erf(x/√2))
    public string Gelu(string x) =>
        graph.Mul(graph.Mul(x, Scalar(0.5f)), graph.Add(graph.Erf(graph.Mul(x, Scalar((float)(1 / Math.Sqrt(2))))), Scalar(1f)));

    // torch.nn.functional.silu: x·σ(x)
    public string Silu(string x) => graph.Mul(x, graph.Sigmoid(x));

    // torch.nn.functional.normalize(x, dim=-1): x / max(‖x‖₂, 1e-12)
    public string L2Normalize(string x) => graph.Div(x, graph.Max(graph.ReduceL2(x, [-1]), Scalar(1e-12f)));

    private string Conv(string key, ConvLayer conv, string x, string w, string? b)
    {
        if (conv.KernelSize.H != conv.KernelSize.W || conv.Stride.H != conv.Stride.W || conv.Padding.H != conv.Padding.W || conv.Dilation.H != conv.Dilation.W)
            throw new OnnxExportException($"ONNX export: {key} has a non-square kernel, stride, padding or dilation, which the exporter does not write.");
        return graph.Conv(x, w, b, conv.KernelSize.H, conv.Stride.H, conv.Padding.H, conv.Dilation.H, conv.Groups);
    }
}
