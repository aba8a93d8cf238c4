using FaceParse.Export.Onnx;
using FaceParse.Models.SegFace;
using FaceParse.Nn;
using FaceParse.Tensors;
using FaceParse.Training;

namespace FaceParse.Architectures.SegFace;

/// <summary>A value of the graph with the spatial size our exporter tracks (channels-first maps [N,C,H,W] or, inside
/// Swin, channels-last [N,H,W,C]).</summary>
internal readonly record struct OnnxMap(string X, int H, int W);

/// <summary>SegFace as an ONNX graph for one input and one output size, node for node as <see cref="SegFaceNetwork"/>'s
/// eval-mode forward: ImageNet normalisation; the backbone's four taps (<see cref="SegFaceOnnxBackbones"/>, batch norm
/// folded as our convolutions fold it); <c>linear_c</c> as 1×1 Conv, bilinear Resize to the first tap, Concat deepest
/// first, <c>linear_fuse</c>; the dense positional encoding of that size computed by <see cref="PositionEmbeddingRandom"/>
/// and embedded as a constant; the two-way transformer (MatMul/Softmax attention, LayerNormalization); the output
/// upscaling (ConvTranspose, LayerNorm2d, erf GELU); the hypernetwork MLP; logits = hyper · upscaled; a final bilinear
/// Resize when the output size differs from 4× the first tap. Needs opset ≥ 17 (LayerNormalization).</summary>
// image [N, 3, H, W] in [0, 1] → logits [N, K, outH, outW]
internal sealed class SegFaceOnnxExporter : IOnnxArchitectureExporter
{
    public OnnxNetwork Build(OnnxGraph graph, Module module, string image, OnnxExportSize size)
    {
        ArgumentNullException.ThrowIfNull(graph);
        if (module is not SegFaceModel model)
            throw new OnnxExportException($"ONNX export: the segface exporter got a {module.GetType().Name}.");
        string backbone = model.Config.BackboneName;
        if (size.Height is < SegFaceNetwork.MinSide or > SegFaceNetwork.MaxSide || size.Width is < SegFaceNetwork.MinSide or > SegFaceNetwork.MaxSide)
            throw new OnnxExportException($"ONNX export: SegFace ({backbone}) takes input sides {SegFaceNetwork.MinSide}..{SegFaceNetwork.MaxSide}, got {size.Width}×{size.Height}.");
        graph.RequireOpset("LayerNormalization", $"SegFace ({backbone}): the decoder's layer norms");
        var layers = new OnnxLayers(graph);
        using var noGrad = GradMode.NoGrad();

        var norm = Normalization.ImageNet;
        string x = graph.Div(graph.Sub(image, graph.Constant("input_mean", norm.Mean, 1, 3, 1, 1)), graph.Constant("input_std", norm.Std, 1, 3, 1, 1));
        var taps = SegFaceOnnxBackbones.Taps(layers, model.Backbone, new OnnxMap(x, size.Height, size.Width));
        var fused = Fuse(layers, model, taps);                                                     // [N,256,h,w]
        var pe = model.PeLayer.Forward(fused.H, fused.W);                                          // [256,h,w]
        string logits = Decode(layers, model.FaceDecoder, fused, pe);                              // [N,K,4h,4w]
        if (4 * fused.H != size.OutHeight || 4 * fused.W != size.OutWidth)
            logits = graph.ResizeBilinear(logits, 4 * fused.H, 4 * fused.W, size.OutHeight, size.OutWidth);
        return new OnnxNetwork(logits, new Dictionary<string, string> { ["faceparse.segface.backbone"] = backbone });
    }

    // SegFace's all-MLP fusion: taps[i][N,C_i,h_i,w_i] -> linear_c (as 1×1 conv) -> resize to tap 0 -> concat deepest first -> linear_fuse [N,256,h0,w0]
    private static OnnxMap Fuse(OnnxLayers layers, SegFaceModel model, IReadOnlyList<OnnxMap> taps)
    {
        var graph = layers.Graph;
        var states = new string[taps.Count];
        for (int i = 0; i < taps.Count; i++)
        {
            var proj = model.LinearC[i].Proj;
            string key = $"linear_c.{i}.proj";
            string s = graph.Conv(taps[i].X, layers.Weight(key + ".weight", proj.Weight, proj.OutFeatures, proj.InFeatures, 1, 1), layers.Weight(key + ".bias", proj.Bias!), 1);
            if (taps[i].H != taps[0].H || taps[i].W != taps[0].W) s = graph.ResizeBilinear(s, taps[i].H, taps[i].W, taps[0].H, taps[0].W);
            states[taps.Count - 1 - i] = s;
        }
        return taps[0] with { X = layers.Conv("linear_fuse", model.LinearFuse, graph.Concat(states, 1)) };
    }

    // FaceDecoder: image[N,256,h,w], pe[256,h,w] -> logits[N,K,4h,4w]
    private static string Decode(OnnxLayers layers, FaceDecoder decoder, OnnxMap image, Tensor pe)
    {
        var graph = layers.Graph;
        const int d = SegFaceConfig.Dim;
        int h = image.H, w = image.W, k = decoder.Tokens.Count;
        var tokenValues = Tensor.Concat([.. decoder.Tokens.Select(t => t.Weight)], 0);          // [K,256]
        string tokens = graph.Constant("face_decoder.tokens", tokenValues.Contiguous().ToArray(), 1, k, d);
        string keys = graph.Transpose(graph.Reshape(image.X, 0, d, (long)h * w), 0, 2, 1);       // [N,hw,256]
        string keyPe = graph.Constant("pe_layer.dense_pe", pe.Reshape(d, h * w).Transpose(0, 1).Contiguous().ToArray(), 1, (long)h * w, d);

        // Two-way transformer: tokens [1,K,256] (broadcast over the batch) and image tokens [N,hw,256]
        var transformer = decoder.Transformer;
        string queries = tokens;
        for (int i = 0; i < transformer.Layers.Count; i++)
            (queries, keys) = Block(layers, $"face_decoder.transformer.layers.{i}", transformer.Layers[i], queries, keys, tokens, keyPe);
        string attn = Attention(layers, "face_decoder.transformer.final_attn_token_to_image", transformer.FinalAttn,
            graph.Add(queries, tokens), graph.Add(keys, keyPe), keys);
        queries = layers.LayerNorm("face_decoder.transformer.norm_final_attn", transformer.NormFinal, graph.Add(queries, attn)); // [N,K,256]

        // Upscaling: [N,256,h,w] -> [N,64,2h,2w] -> [N,32,4h,4w]
        string map = graph.Reshape(graph.Transpose(keys, 0, 2, 1), 0, d, h, w);
        string up = layers.Gelu(layers.LayerNorm2d("face_decoder.output_upscaling.1", decoder.UpNorm, layers.ConvTranspose("face_decoder.output_upscaling.0", decoder.Up1, map)));
        up = layers.Gelu(layers.ConvTranspose("face_decoder.output_upscaling.3", decoder.Up2, up));

        // Hypernetwork [N,K,256] -> [N,K,32]; logits = hyper · up
        string hyper = queries;
        var mlp = decoder.Hyper.Layers;
        for (int i = 0; i < mlp.Count; i++)
        {
            hyper = layers.Linear($"face_decoder.output_hypernetwork_mlps.layers.{i}", mlp[i], hyper);
            if (i < mlp.Count - 1) hyper = graph.Relu(hyper);
        }
        if (decoder.Hyper.SigmoidOutput) hyper = graph.Sigmoid(hyper);
        int upC = decoder.Up2.OutChannels;
        string logits = graph.MatMul(hyper, graph.Reshape(up, 0, upC, 16L * h * w));              // [N,K,16hw]
        return graph.Reshape(logits, 0, k, 4 * h, 4 * w);
    }

    // TwoWayAttentionBlock: queries[·,K,256], keys[N,hw,256], queryPe[1,K,256], keyPe[1,hw,256] -> (queries[N,K,256], keys[N,hw,256])
    private static (string Queries, string Keys) Block(OnnxLayers layers, string key, TwoWayAttentionBlock block, string queries, string keys, string queryPe, string keyPe)
    {
        var graph = layers.Graph;
        if (block.SkipFirstLayerPe) queries = Attention(layers, key + ".self_attn", block.SelfAttn, queries, queries, queries);
        else
        {
            string q0 = graph.Add(queries, queryPe);
            queries = graph.Add(queries, Attention(layers, key + ".self_attn", block.SelfAttn, q0, q0, queries));
        }
        queries = layers.LayerNorm(key + ".norm1", block.Norm1, queries);
        string q = graph.Add(queries, queryPe), k = graph.Add(keys, keyPe);
        queries = layers.LayerNorm(key + ".norm2", block.Norm2, graph.Add(queries, Attention(layers, key + ".cross_attn_token_to_image", block.CrossTokenToImage, q, k, keys)));
        string mlp = layers.Linear(key + ".mlp.lin2", block.Mlp.Lin2, graph.Relu(layers.Linear(key + ".mlp.lin1", block.Mlp.Lin1, queries)));
        queries = layers.LayerNorm(key + ".norm3", block.Norm3, graph.Add(queries, mlp));
        q = graph.Add(queries, queryPe);
        k = graph.Add(keys, keyPe);
        keys = layers.LayerNorm(key + ".norm4", block.Norm4, graph.Add(keys, Attention(layers, key + ".cross_attn_image_to_token", block.CrossImageToToken, k, q, queries)));
        return (queries, keys);
    }

    // SAM Attention: q[·,Lq,D], k[·,Lk,D], v[·,Lk,D] -> out_proj(softmax(q·kᵀ/√d)·v) [·,Lq,D]
    private static string Attention(OnnxLayers layers, string key, SamAttention attention, string q, string k, string v)
    {
        var graph = layers.Graph;
        int inner = attention.QProj.OutFeatures, heads = attention.Heads, dh = inner / heads;
        string qh = graph.Transpose(graph.Reshape(layers.Linear(key + ".q_proj", attention.QProj, q), 0, 0, heads, dh), 0, 2, 1, 3);  // [·,heads,Lq,d]
        string kt = graph.Transpose(graph.Reshape(layers.Linear(key + ".k_proj", attention.KProj, k), 0, 0, heads, dh), 0, 2, 3, 1);  // [·,heads,d,Lk]
        string vh = graph.Transpose(graph.Reshape(layers.Linear(key + ".v_proj", attention.VProj, v), 0, 0, heads, dh), 0, 2, 1, 3);  // [·,heads,Lk,d]
        string scores = graph.Mul(graph.MatMul(qh, kt), layers.Scalar(1f / MathF.Sqrt(dh)));
        string o = graph.MatMul(graph.Softmax(scores, -1), vh);                                                                     // [·,heads,Lq,d]
        return layers.Linear(key + ".out_proj", attention.OutProj, graph.Reshape(graph.Transpose(o, 0, 2, 1, 3), 0, 0, inner));
    }
}
