using FaceParse.Export.Onnx;
using FaceParse.Models.FpLiif;
using FaceParse.Nn;
using FaceParse.Tensors;

namespace FaceParse.Architectures.FpLiif;

/// <summary>FP-LIIF as an ONNX graph for one input and one output size, in the form of <c>FpLiifFastPath</c>: the encoder
/// as Conv/Relu/Add; the reduction as a 3×3 Conv and a MatMul; W_feat applied at latent resolution; W_g·g + b as one Gemm
/// per image; the latent fetched at the query points by <see cref="FpLiifSampling"/> (Gather along rows then columns,
/// with constant bilinear weights where the config samples bilinearly); W_pe·pe as row and column terms; the pixel MLP as
/// MatMul/Add/Relu over all output pixels; local-ensemble weights as constant tensors.</summary>
// image [N, 3, H, W] → logits [N, K, outH, outW]
internal sealed class FpLiifOnnxExporter : IOnnxArchitectureExporter
{
    public OnnxNetwork Build(OnnxGraph graph, Module module, string image, OnnxExportSize size)
    {
        if (module is not Models.FpLiif.FpLiif model)
            throw new OnnxExportException($"ONNX export: the fp-liif exporter got a {module.GetType().Name}.");
        var cfg = model.Config;
        var (hf, wf) = (size.Height, size.Width);
        foreach (int s in cfg.DownStrides) (hf, wf) = ((hf - 1) / s + 1, (wf - 1) / s + 1); // conv 3×3, padding 1, stride s
        var weights = new Weights(graph);

        // Encoder: x [N,3,H,W] → z [N,C,Hf,Wf]
        var enc = model.Encoder;
        string x = graph.Mul(graph.Sub(image, graph.Constant("input_mean", [.. cfg.InputMean], 1, 3, 1, 1)),
            graph.Constant("input_inv_std", [.. cfg.InputStd.Select(s => 1f / s)], 1, 3, 1, 1));
        x = Conv(graph, weights, enc.Head, "encoder.head", x);
        for (int i = 0; i < enc.Groups.Count; i++)
        {
            var group = enc.Groups[i];
            string h = x;
            for (int j = 0; j < group.Blocks.Count; j++)
            {
                var block = group.Blocks[j];
                string prefix = $"encoder.groups.{i}.blocks.{j}";
                string r = Conv(graph, weights, block.Conv2, prefix + ".conv2", graph.Relu(Conv(graph, weights, block.Conv1, prefix + ".conv1", h)));
                if (cfg.ResidualScale != 1f) r = graph.Mul(r, graph.Constant("residual_scale", [cfg.ResidualScale], 1));
                h = graph.Add(h, r);
            }
            if (group.Conv is not null) x = graph.Add(Conv(graph, weights, group.Conv, $"encoder.groups.{i}.conv", h), x);
            else if (group.Blocks.Count > 0) x = graph.Add(h, x);
            if (i < enc.Down.Count) x = Conv(graph, weights, enc.Down[i], $"encoder.down.{i}", x);
        }
        string z = x;

        // Decoder, fast form: z → projected [N,Hid,Hf,Wf], per-image vector [N,Hid,1,1]
        var dec = model.Decoder;
        int c = cfg.Channels, rh = cfg.ReduceHidden, ro = cfg.ReduceOut, hid = cfg.MlpHidden, k = cfg.NumClasses, p = cfg.PositionalDims;
        var (reduce0, reduce1) = (dec.Reduce.Layers[0], dec.Reduce.Layers[1]);
        var layers = dec.PixelMlp.Layers;
        string reduced0 = graph.Relu(graph.Conv(z, weights.Of("decoder.reduce.layers.0.weight", reduce0.Weight, rh, c, 3, 3),
            weights.Of("decoder.reduce.layers.0.bias", reduce0.Bias!, rh), kernel: 3, padding: 1)); // [N,RH,Hf,Wf]
        string reduced = graph.Add(graph.MatMul(weights.Of("decoder.reduce.layers.1.weight", reduce1.Weight, ro, rh), graph.Reshape(reduced0, 0, rh, (long)hf * wf)),
            weights.Of("decoder.reduce.layers.1.bias", reduce1.Bias!, ro, 1)); // [N,R,Hf·Wf]
        var first = layers[0].Weight;
        string projected = graph.Reshape(graph.MatMul(weights.Of("decoder.mlp.layers.0.weight[feat]", first.Narrow(1, 0, ro), hid, ro), reduced), 0, hid, hf, wf);
        string g = graph.ReduceMean(z, [2, 3]); // [N,C]
        string perImage = graph.Reshape(graph.Linear(g, weights.Of("decoder.mlp.layers.0.weight[g]", first.Narrow(1, ro, c), hid, c),
            weights.Of("decoder.mlp.layers.0.bias", layers[0].Bias!, hid)), 0, hid, 1, 1);
        float[] wPe = first.Narrow(1, ro + c, p).Contiguous().ToArray(); // [Hid,P]

        // Each tap: sample, add the per-image and positional terms, run the pixel MLP, weight; the taps summed.
        int outH = size.OutHeight, outW = size.OutWidth, m = outH * outW;
        string? logits = null;
        foreach (var tap in FpLiifSampling.Plan(cfg, dec.SampleMode, hf, wf, outH, outW))
        {
            string sampled = tap.Sample(graph, projected); // [N,Hid,outH,outW]
            string pre = graph.Add(sampled, perImage);
            foreach (var term in tap.PositionalTerms(graph, wPe, hid, p)) pre = graph.Add(pre, term);
            string y = graph.Reshape(graph.Relu(pre), 0, hid, m); // [N,Hid,M]
            for (int i = 1; i < layers.Count; i++)
            {
                var layer = layers[i];
                string name = $"decoder.mlp.layers.{i}";
                y = graph.Add(graph.MatMul(weights.Of(name + ".weight", layer.Weight, layer.OutFeatures, layer.InFeatures), y),
                    weights.Of(name + ".bias", layer.Bias!, layer.OutFeatures, 1)); // [N,out_i,M]
                if (i < layers.Count - 1) y = graph.Relu(y);
            }
            if (tap.Weight is { } w) y = graph.Mul(y, graph.Constant("ensemble_weight", w, 1, m));
            logits = logits is null ? y : graph.Add(logits, y);
        }
        string output = graph.Reshape(logits!, 0, k, outH, outW);

        var metadata = new Dictionary<string, string>
        {
            ["faceparse.fp-liif.config"] = cfg.Name,
            ["faceparse.fp-liif.upsampling"] = cfg.Upsampling.ToString(),
        };
        return new OnnxNetwork(output, metadata);
    }

    // conv layer → Conv node with its weight and bias as initializers (square kernel, stride, padding, dilation only)
    private static string Conv(OnnxGraph graph, Weights weights, ConvLayer conv, string name, string x)
    {
        if (conv.KernelSize.H != conv.KernelSize.W || conv.Stride.H != conv.Stride.W || conv.Padding.H != conv.Padding.W || conv.Dilation.H != conv.Dilation.W)
            throw new OnnxExportException($"ONNX export: {name} has a non-square kernel, stride, padding or dilation, which the exporter does not write.");
        string w = weights.Of(name + ".weight", conv.Weight, [.. conv.Weight.Shape.Select(d => (long)d)]);
        string? b = conv.Bias is null ? null : weights.Of(name + ".bias", conv.Bias, conv.Bias.Count);
        return graph.Conv(x, w, b, conv.KernelSize.H, conv.Stride.H, conv.Padding.H, conv.Dilation.H, conv.Groups);
    }

    // Weight initializers named by PyTorch key, each written once however often the graph uses it.
    private sealed class Weights(OnnxGraph graph)
    {
        private readonly Dictionary<string, string> _names = [];

        public string Of(string key, Tensor tensor, params long[] dims)
        {
            if (_names.TryGetValue(key, out string? name)) return name;
            name = graph.Constant(key, tensor.Contiguous().ToArray(), dims);
            _names[key] = name;
            return name;
        }
    }
}
