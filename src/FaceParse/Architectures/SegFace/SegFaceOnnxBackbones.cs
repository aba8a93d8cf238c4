using System.Globalization;
using FaceParse.Export.Onnx;
using FaceParse.Models.Backbones;
using FaceParse.Nn;

namespace FaceParse.Architectures.SegFace;

/// <summary>SegFace's backbones as ONNX nodes, in the eval-mode form our <see cref="IBackbone.Taps"/> computes: batch norm
/// folded into the preceding convolution, the activation after it, stochastic depth as the identity. Each emitter tracks
/// the spatial size so the fusion knows the taps' sizes. The convolutional backbones live here, Swin in
/// <see cref="SegFaceOnnxSwin"/>.</summary>
internal static class SegFaceOnnxBackbones
{
    // x[N,3,H,W] (normalised) -> taps[i][N, TapChannels[i], h_i, w_i], shallowest first
    public static IReadOnlyList<OnnxMap> Taps(OnnxLayers layers, IBackbone backbone, OnnxMap x) => backbone switch
    {
        MobileNetV3Large m => Features(layers, m.Features, MobileNetV3Large.TapIndices, x),
        EfficientNetV2M e => Features(layers, e.Features, EfficientNetV2M.TapIndices, x),
        ResNet101 r => ResNet(layers, r, x),
        ConvNeXtBase c => ConvNeXt(layers, c, x),
        SwinTransformer s => SegFaceOnnxSwin.Taps(layers, s, x),
        _ => throw new OnnxExportException($"ONNX export: SegFace backbone {backbone.GetType().Name} has no ONNX form."),
    };

    // ⌊(n + 2p − d(k − 1) − 1)/s⌋ + 1 along one axis of a convolution or pooling
    private static int Out(int n, int k, int s, int p, int d = 1) => (n + 2 * p - d * (k - 1) - 1) / s + 1;

    private static OnnxMap After(OnnxMap x, string value, ConvLayer conv) =>
        new(value, Out(x.H, conv.KernelSize.H, conv.Stride.H, conv.Padding.H, conv.Dilation.H), Out(x.W, conv.KernelSize.W, conv.Stride.W, conv.Padding.W, conv.Dilation.W));

    private static string Key(int i) => "backbone." + i.ToString(CultureInfo.InvariantCulture);

    // A torchvision `features` Sequential run up to its last tap (MobileNetV3, EfficientNetV2)
    private static OnnxMap[] Features(OnnxLayers layers, IReadOnlyList<IModule> features, IReadOnlyList<int> tapIndices, OnnxMap x)
    {
        var taps = new OnnxMap[tapIndices.Count];
        int t = 0;
        for (int i = 0; i <= tapIndices[^1]; i++)
        {
            x = Feature(layers, Key(i), features[i], x);
            if (i == tapIndices[t]) taps[t++] = x;
        }
        return taps;
    }

    private static OnnxMap Feature(OnnxLayers layers, string key, IModule feature, OnnxMap x)
    {
        switch (feature)
        {
            case ConvBnAct c:
                return ConvBnAct(layers, key, c, x);
            case MobileNetV3Large.InvertedResidual ir:
                return Block(layers, key + ".block", ir.Block.Cast<IModule>().ToList(), ir.Residual, x);
            case EfficientNetV2M.FusedMBConv f:
                return Block(layers, key + ".block", f.Convs, f.Residual, x);
            case EfficientNetV2M.MBConv mb:
                return Block(layers, key + ".block", mb.Block, mb.Residual, x);
            case Sequential stage:
                for (int i = 0; i < stage.Count; i++) x = Feature(layers, $"{key}.{i}", (IModule)stage[i], x);
                return x;
            default:
                throw new OnnxExportException($"ONNX export: backbone layer {key} ({feature.GetType().Name}) has no ONNX form.");
        }
    }

    // ConvBnAct / SqueezeExcitation layers in sequence, plus the input when the block is residual
    private static OnnxMap Block(OnnxLayers layers, string key, IReadOnlyList<IModule> block, bool residual, OnnxMap x)
    {
        var h = x;
        for (int i = 0; i < block.Count; i++)
        {
            string k = $"{key}.{i}";
            h = block[i] switch
            {
                ConvBnAct c => ConvBnAct(layers, k, c, h),
                SqueezeExcitation se => h with { X = SqueezeExcitation(layers, k, se, h.X) },
                _ => throw new OnnxExportException($"ONNX export: backbone layer {k} ({block[i].GetType().Name}) has no ONNX form."),
            };
        }
        return residual ? h with { X = layers.Graph.Add(h.X, x.X) } : h;
    }

    private static OnnxMap ConvBnAct(OnnxLayers layers, string key, ConvBnAct c, OnnxMap x) => After(x, layers.ConvBnAct(key, c, x.X), c.Conv);

    // torchvision SqueezeExcitation: x · σ'(fc2(act(fc1(mean_hw(x))))), act/σ' = ReLU/Hardsigmoid (MobileNetV3) or SiLU/sigmoid
    private static string SqueezeExcitation(OnnxLayers layers, string key, SqueezeExcitation se, string x)
    {
        var graph = layers.Graph;
        string s = layers.Conv(key + ".fc1", se.Fc1, graph.ReduceMean(x, [2, 3], keepDims: true)); // [N,S,1,1]
        s = se.MobileNet ? graph.Relu(s) : layers.Silu(s);
        s = layers.Conv(key + ".fc2", se.Fc2, s);                                                   // [N,C,1,1]
        return graph.Mul(x, se.MobileNet ? graph.HardSigmoid(s) : graph.Sigmoid(s));
    }

    // ResNet-101: conv1/bn1/relu, max pool 3/2/1, layer1–layer4 of bottlenecks, tapping each layer
    private static OnnxMap[] ResNet(OnnxLayers layers, ResNet101 r, OnnxMap x)
    {
        var graph = layers.Graph;
        x = After(x, graph.Relu(layers.ConvBn("backbone.0", r.Conv1, r.Bn1, x.X)), r.Conv1);
        x = new OnnxMap(graph.MaxPool(x.X, 3, 2, 1), Out(x.H, 3, 2, 1), Out(x.W, 3, 2, 1));
        var taps = new OnnxMap[4];
        for (int l = 0; l < 4; l++)
        {
            var layer = r.Layers[l];
            for (int i = 0; i < layer.Count; i++)
            {
                var b = (ResNet101.Bottleneck)layer[i];
                string key = $"{Key(4 + l)}.{i}";
                string identity = b.Downsample is { } ds ? layers.ConvBn(key + ".downsample.0", (Conv2d)ds[0], (BatchNorm2d)ds[1], x.X) : x.X;
                string h = graph.Relu(layers.ConvBn(key + ".conv1", b.Conv1, b.Bn1, x.X));
                var mid = After(x, graph.Relu(layers.ConvBn(key + ".conv2", b.Conv2, b.Bn2, h)), b.Conv2);
                x = mid with { X = graph.Relu(graph.Add(layers.ConvBn(key + ".conv3", b.Conv3, b.Bn3, mid.X), identity)) };
            }
            taps[l] = x;
        }
        return taps;
    }

    // ConvNeXt-Base: 4×4/4 stem + LayerNorm2d; CNBlocks; LayerNorm2d + 2×2/2 downsamples; taps after each stage
    private static OnnxMap[] ConvNeXt(OnnxLayers layers, ConvNeXtBase c, OnnxMap x)
    {
        var graph = layers.Graph;
        x = After(x, layers.LayerNorm2d("backbone.0.0.1", c.StemNorm, layers.Conv("backbone.0.0.0", c.Stem, x.X)), c.Stem);
        var taps = new OnnxMap[4];
        for (int s = 0; s < 4; s++)
        {
            var stage = c.Stages[s];
            for (int i = 0; i < stage.Count; i++)
            {
                var block = (ConvNeXtBase.CNBlock)stage[i];
                string key = $"backbone.0.{2 * s + 1}.{i}";
                string h = graph.Transpose(layers.Conv(key + ".block.0", block.Dw, x.X), 0, 2, 3, 1);                 // [N,H,W,C]
                h = layers.Linear(key + ".block.5", block.Fc2, layers.Gelu(layers.Linear(key + ".block.3", block.Fc1, layers.LayerNorm(key + ".block.2", block.Norm, h))));
                h = graph.Mul(graph.Transpose(h, 0, 3, 1, 2), layers.Weight(key + ".layer_scale", block.LayerScale)); // [N,C,H,W]·[C,1,1]
                x = x with { X = graph.Add(h, x.X) };
            }
            taps[s] = x;
            if (s < 3)
            {
                var (norm, conv) = c.Downsamples[s];
                string key = $"backbone.0.{2 * s + 2}";
                x = After(x, layers.Conv(key + ".1", conv, layers.LayerNorm2d(key + ".0", norm, x.X)), conv);
            }
        }
        return taps;
    }
}
