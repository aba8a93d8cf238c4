using FaceParse.Export.Onnx;
using FaceParse.Models.Backbones;
using FaceParse.Tensors;

namespace FaceParse.Architectures.SegFace;

/// <summary>Swin-B / Swin-V2-B (torchvision) as ONNX nodes for one input size, channels-last [N,H,W,C] as our
/// <see cref="SwinTransformer"/> runs it: patch embedding Conv + LayerNorm; per block zero Pad to whole windows, the
/// cyclic shift as Slice + Concat, window partition as Reshape/Transpose, q/k/v as three MatMuls (the qkv weight split by
/// rows; v2's key bias zeroed as our forward does), scaled (v1) or cosine (v2, ReduceL2 normalisation and the clamped,
/// exponentiated logit scale as a constant) attention, the relative-position bias [1,heads,N,N] computed by our
/// <see cref="ShiftedWindowAttention.RelativePositionBias"/> (v2: the cpb MLP, 16·σ) and the shifted-window mask of
/// <c>ShiftMask</c> as constants, window reverse, shift back, crop; patch merging as Pad/Reshape/Transpose + LayerNorm/Linear.</summary>
internal static class SegFaceOnnxSwin
{
    // x[N,3,H,W] -> taps [N,128·2^s,h_s,w_s] (stage outputs, NHWC -> NCHW)
    public static OnnxMap[] Taps(OnnxLayers layers, SwinTransformer swin, OnnxMap x)
    {
        var graph = layers.Graph;
        var conv = swin.Patch;
        int h = (x.H - conv.KernelSize.H) / conv.Stride.H + 1, w = (x.W - conv.KernelSize.W) / conv.Stride.W + 1;
        x = new OnnxMap(layers.LayerNorm("backbone.0.0.2", swin.PatchNorm, graph.Transpose(layers.Conv("backbone.0.0.0", conv, x.X), 0, 2, 3, 1)), h, w);
        var taps = new OnnxMap[4];
        for (int s = 0; s < 4; s++)
        {
            var stage = swin.Stages[s];
            for (int i = 0; i < stage.Count; i++) x = x with { X = Block(layers, $"backbone.0.{2 * s + 1}.{i}", (SwinTransformer.SwinBlock)stage[i], x) };
            taps[s] = x with { X = graph.Transpose(x.X, 0, 3, 1, 2) };
            if (s < 3) x = Merge(layers, $"backbone.0.{2 * s + 2}", swin.Merges[s], x);
        }
        return taps;
    }

    // SwinTransformerBlock (v1 pre-norm) / V2 (res-post-norm), eval: x[N,H,W,C] -> [N,H,W,C]
    private static string Block(OnnxLayers layers, string key, SwinTransformer.SwinBlock block, OnnxMap x)
    {
        var graph = layers.Graph;
        string a = block.V2
            ? layers.LayerNorm(key + ".norm1", block.Norm1, Attention(layers, key + ".attn", block.Attn, x))
            : Attention(layers, key + ".attn", block.Attn, x with { X = layers.LayerNorm(key + ".norm1", block.Norm1, x.X) });
        string y = graph.Add(x.X, a);
        string m = block.V2
            ? layers.LayerNorm(key + ".norm2", block.Norm2, Mlp(layers, key, block, y))
            : Mlp(layers, key, block, layers.LayerNorm(key + ".norm2", block.Norm2, y));
        return graph.Add(y, m);
    }

    private static string Mlp(OnnxLayers layers, string key, SwinTransformer.SwinBlock block, string x) =>
        layers.Linear(key + ".mlp.3", block.Fc2, layers.Gelu(layers.Linear(key + ".mlp.0", block.Fc1, x)));

    // ShiftedWindowAttention(V2) at the map size of x: x[N,H,W,C] -> [N,H,W,C]
    private static string Attention(OnnxLayers layers, string key, ShiftedWindowAttention attn, OnnxMap x)
    {
        var graph = layers.Graph;
        int h = x.H, w = x.W, c = attn.Qkv.InFeatures, ws = attn.Window, n = ws * ws, heads = attn.Heads, d = c / heads;
        int padR = (ws - w % ws) % ws, padB = (ws - h % ws) % ws, ph = h + padB, pw = w + padR, nh = ph / ws, nw = pw / ws;
        int sh = ws >= ph ? 0 : attn.Shift, sw = ws >= pw ? 0 : attn.Shift;
        string v = x.X;
        if (padR > 0 || padB > 0) v = graph.Pad(v, [0, 0, 0, 0, 0, padB, padR, 0]);
        v = Roll(graph, Roll(graph, v, -sh, 1, ph), -sw, 2, pw);
        string win = graph.Reshape(graph.Transpose(graph.Reshape(v, 0, nh, ws, nw, ws, c), 0, 1, 3, 2, 4, 5), -1, n, c); // [N·nW,N,C]

        var weight = attn.Qkv.Weight;
        var bias = attn.Qkv.Bias is { } qb && attn.KeyBiasMask is { } mask ? qb.Mul(mask) : attn.Qkv.Bias;
        string Head(int part, string name) => graph.Transpose(graph.Reshape(
            layers.Linear($"{key}.qkv.{name}", weight.Narrow(0, part * c, c).Contiguous(), bias?.Narrow(0, part * c, c).Contiguous(), win), 0, n, heads, d), 0, 2, 1, 3);
        string q = Head(0, "q"), k = Head(1, "k"), vh = Head(2, "v");                                                // [N·nW,heads,N,d]
        string scores;
        if (attn.V2)
        {
            var scale = attn.LogitScale!.Clamp(max: MathF.Log(100f)).Exp();                                        // [heads,1,1]
            scores = graph.MatMul(layers.L2Normalize(q), graph.Transpose(layers.L2Normalize(k), 0, 1, 3, 2));
            scores = graph.Mul(scores, graph.Constant(key + ".logit_scale(exp)", scale.Contiguous().ToArray(), heads, 1, 1));
        }
        else scores = graph.MatMul(graph.Mul(q, layers.Scalar(1f / MathF.Sqrt(d))), graph.Transpose(k, 0, 1, 3, 2));
        scores = graph.Add(scores, graph.Constant(key + ".relative_position_bias", attn.RelativePositionBias().Contiguous().ToArray(), 1, heads, n, n));
        if (sh + sw > 0)
        {
            string shiftMask = layers.Shared($"swin_shift_mask_{ph}x{pw}_w{ws}_s{sh},{sw}",
                () => ShiftedWindowAttention.ShiftMask(ph, pw, ws, sh, sw).ToArray(), 1, nh * nw, 1, n, n);
            scores = graph.Reshape(graph.Add(graph.Reshape(scores, -1, nh * nw, heads, n, n), shiftMask), -1, heads, n, n);
        }
        string o = graph.Reshape(graph.Transpose(graph.MatMul(graph.Softmax(scores, -1), vh), 0, 2, 1, 3), 0, n, c);  // [N·nW,N,C]
        o = layers.Linear(key + ".proj", attn.Proj, o);
        v = graph.Reshape(graph.Transpose(graph.Reshape(o, -1, nh, nw, ws, ws, c), 0, 1, 3, 2, 4, 5), -1, ph, pw, c); // [N,pH,pW,C]
        v = Roll(graph, Roll(graph, v, sh, 1, ph), sw, 2, pw);
        if (padR > 0 || padB > 0) v = graph.Slice(v, [0, 0], [h, w], [1, 2]);
        return v;
    }

    // torch.roll(x, shift, axis) on an axis of size `size`: y[i] = x[(i − shift) mod size], as Slice + Concat (no-op for shift 0)
    private static string Roll(OnnxGraph graph, string x, int shift, int axis, int size)
    {
        int s = ((shift % size) + size) % size;
        if (s == 0) return x;
        return graph.Concat([graph.Slice(x, [size - s], [size], [axis]), graph.Slice(x, [0], [size - s], [axis])], axis);
    }

    // PatchMerging (v1: LayerNorm(4C) then Linear; v2: Linear then LayerNorm(2C)): x[N,H,W,C] -> [N,⌈H/2⌉,⌈W/2⌉,2C]
    private static OnnxMap Merge(OnnxLayers layers, string key, SwinTransformer.PatchMerging merge, OnnxMap x)
    {
        var graph = layers.Graph;
        int c = merge.Reduction.InFeatures / 4, h2 = (x.H + 1) / 2, w2 = (x.W + 1) / 2;
        string v = x.X;
        if (x.H % 2 != 0 || x.W % 2 != 0) v = graph.Pad(v, [0, 0, 0, 0, 0, x.H % 2, x.W % 2, 0]);
        v = graph.Reshape(graph.Transpose(graph.Reshape(v, 0, h2, 2, w2, 2, c), 0, 1, 3, 4, 2, 5), 0, h2, w2, 4 * c);
        v = merge.V2
            ? layers.LayerNorm(key + ".norm", merge.Norm, layers.Linear(key + ".reduction", merge.Reduction, v))
            : layers.Linear(key + ".reduction", merge.Reduction, layers.LayerNorm(key + ".norm", merge.Norm, v));
        return new OnnxMap(v, h2, w2);
    }
}
