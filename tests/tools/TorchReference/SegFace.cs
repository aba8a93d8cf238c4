using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TorchReference;

// SegFace for CelebAMask-HQ (19 classes) with the mobilenet backbone, written from the official source
// (Kartik-3004/SegFace network/models/segface_celeb.py + transformer.py, itself SAM's TwoWayTransformer), with the
// official module names so state-dict keys equal those of the official model_299.pt's state_dict_backbone.
// Registration order = the order of the official __init__ (it fixes the state_dict order).

// LayerNorm2d over C (eps 1e-6): weight, bias. x[N,C,H,W] -> same
internal sealed class LayerNorm2d : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight, bias;
    private readonly double eps;

    public LayerNorm2d(long channels, double eps = 1e-6) : base(nameof(LayerNorm2d))
    {
        weight = new Parameter(ones(channels));
        bias = new Parameter(zeros(channels));
        this.eps = eps;
        register_parameter(nameof(weight), weight);
        register_parameter(nameof(bias), bias);
    }

    public override Tensor forward(Tensor x)
    {
        var u = x.mean(new long[] { 1 }, keepdim: true);
        var s = (x - u).pow(2).mean(new long[] { 1 }, keepdim: true);
        x = (x - u) / sqrt(s + eps);
        return weight[.., TensorIndex.None, TensorIndex.None] * x + bias[.., TensorIndex.None, TensorIndex.None];
    }
}

// SAM Attention(embedding_dim, heads, downsample_rate): q_proj, k_proj, v_proj (dim -> dim/r), out_proj (dim/r -> dim).
// q[B,Nq,D], k/v[B,Nk,D] -> [B,Nq,D]
internal sealed class Attention : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly Linear q_proj, k_proj, v_proj, out_proj;
    private readonly long heads;

    public Attention(long dim, long heads, long downsample = 1) : base(nameof(Attention))
    {
        long inner = dim / downsample;
        this.heads = heads;
        q_proj = nn.Linear(dim, inner);
        k_proj = nn.Linear(dim, inner);
        v_proj = nn.Linear(dim, inner);
        out_proj = nn.Linear(inner, dim);
        register_module(nameof(q_proj), q_proj);
        register_module(nameof(k_proj), k_proj);
        register_module(nameof(v_proj), v_proj);
        register_module(nameof(out_proj), out_proj);
    }

    private Tensor Separate(Tensor x)
    {
        long b = x.shape[0], n = x.shape[1], c = x.shape[2];
        return x.reshape(b, n, heads, c / heads).transpose(1, 2);
    }

    public override Tensor forward(Tensor q, Tensor k, Tensor v)
    {
        q = Separate(q_proj.call(q));
        k = Separate(k_proj.call(k));
        v = Separate(v_proj.call(v));
        long cPerHead = q.shape[3];
        var attn = softmax(q.matmul(k.permute(0, 1, 3, 2)) / Math.Sqrt(cPerHead), -1);
        var o = attn.matmul(v);
        long b = o.shape[0], h = o.shape[1], n = o.shape[2], c = o.shape[3];
        return out_proj.call(o.transpose(1, 2).reshape(b, n, h * c));
    }
}

// SAM MLPBlock: lin1, lin2, act (ReLU as TwoWayTransformer passes it). x[...,D] -> [...,D]
internal sealed class MLPBlock : nn.Module<Tensor, Tensor>
{
    private readonly Linear lin1, lin2;
    private readonly nn.Module<Tensor, Tensor> act;

    public MLPBlock(long dim, long mlpDim) : base(nameof(MLPBlock))
    {
        lin1 = nn.Linear(dim, mlpDim);
        lin2 = nn.Linear(mlpDim, dim);
        act = nn.ReLU();
        register_module(nameof(lin1), lin1);
        register_module(nameof(lin2), lin2);
        register_module(nameof(act), act);
    }

    public override Tensor forward(Tensor x) => lin2.call(act.call(lin1.call(x)));
}

// SAM TwoWayAttentionBlock. queries[B,N,D], keys[B,HW,D] -> (queries, keys)
internal sealed class TwoWayAttentionBlock : nn.Module
{
    private readonly Attention self_attn, cross_attn_token_to_image, cross_attn_image_to_token;
    private readonly LayerNorm norm1, norm2, norm3, norm4;
    private readonly MLPBlock mlp;
    private readonly bool skipFirstLayerPe;

    public TwoWayAttentionBlock(long dim, long heads, long mlpDim, long downsample, bool skipFirstLayerPe) : base(nameof(TwoWayAttentionBlock))
    {
        self_attn = new Attention(dim, heads);
        norm1 = nn.LayerNorm(dim);
        cross_attn_token_to_image = new Attention(dim, heads, downsample);
        norm2 = nn.LayerNorm(dim);
        mlp = new MLPBlock(dim, mlpDim);
        norm3 = nn.LayerNorm(dim);
        norm4 = nn.LayerNorm(dim);
        cross_attn_image_to_token = new Attention(dim, heads, downsample);
        this.skipFirstLayerPe = skipFirstLayerPe;
        register_module(nameof(self_attn), self_attn);
        register_module(nameof(norm1), norm1);
        register_module(nameof(cross_attn_token_to_image), cross_attn_token_to_image);
        register_module(nameof(norm2), norm2);
        register_module(nameof(mlp), mlp);
        register_module(nameof(norm3), norm3);
        register_module(nameof(norm4), norm4);
        register_module(nameof(cross_attn_image_to_token), cross_attn_image_to_token);
    }

    public (Tensor, Tensor) Forward(Tensor queries, Tensor keys, Tensor queryPe, Tensor keyPe)
    {
        if (skipFirstLayerPe) queries = self_attn.call(queries, queries, queries);
        else
        {
            var q0 = queries + queryPe;
            queries = queries + self_attn.call(q0, q0, queries);
        }
        queries = norm1.call(queries);

        var q = queries + queryPe;
        var k = keys + keyPe;
        queries = norm2.call(queries + cross_attn_token_to_image.call(q, k, keys));

        queries = norm3.call(queries + mlp.call(queries));

        q = queries + queryPe;
        k = keys + keyPe;
        keys = norm4.call(keys + cross_attn_image_to_token.call(k, q, queries));
        return (queries, keys);
    }
}

// SAM TwoWayTransformer(depth, dim, heads, mlp_dim, downsample 2): layers, final_attn_token_to_image, norm_final_attn.
// image[B,D,H,W], pe[B,D,H,W], tokens[B,N,D] -> (tokens[B,N,D], image[B,HW,D])
internal sealed class TwoWayTransformer : nn.Module
{
    private readonly ModuleList<TwoWayAttentionBlock> layers;
    private readonly Attention final_attn_token_to_image;
    private readonly LayerNorm norm_final_attn;

    public TwoWayTransformer(int depth, long dim, long heads, long mlpDim, long downsample = 2) : base(nameof(TwoWayTransformer))
    {
        layers = nn.ModuleList(Enumerable.Range(0, depth).Select(i => new TwoWayAttentionBlock(dim, heads, mlpDim, downsample, i == 0)).ToArray());
        final_attn_token_to_image = new Attention(dim, heads, downsample);
        norm_final_attn = nn.LayerNorm(dim);
        register_module(nameof(layers), layers);
        register_module(nameof(final_attn_token_to_image), final_attn_token_to_image);
        register_module(nameof(norm_final_attn), norm_final_attn);
    }

    public (Tensor, Tensor) Forward(Tensor image, Tensor imagePe, Tensor pointEmbedding)
    {
        image = image.flatten(2).permute(0, 2, 1);
        imagePe = imagePe.flatten(2).permute(0, 2, 1);
        Tensor queries = pointEmbedding, keys = image;
        foreach (var layer in layers) (queries, keys) = layer.Forward(queries, keys, pointEmbedding, imagePe);
        var q = queries + pointEmbedding;
        var k = keys + imagePe;
        queries = norm_final_attn.call(queries + final_attn_token_to_image.call(q, k, keys));
        return (queries, keys);
    }
}

// SegFace's MLP (hypernetwork shared by all tokens): layers.0..2 Linear, ReLU between. x[...,in] -> [...,out]
internal sealed class HyperMLP : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<Linear> layers;

    public HyperMLP(long input, long hidden, long output, int count) : base("MLP")
    {
        var dims = new List<long> { input };
        for (int i = 0; i < count - 1; i++) dims.Add(hidden);
        dims.Add(output);
        layers = nn.ModuleList(Enumerable.Range(0, count).Select(i => nn.Linear(dims[i], dims[i + 1])).ToArray());
        register_module(nameof(layers), layers);
    }

    public override Tensor forward(Tensor x)
    {
        for (int i = 0; i < layers.Count; i++) x = i < layers.Count - 1 ? nn.functional.relu(layers[i].call(x)) : layers[i].call(x);
        return x;
    }
}

// SegFace FaceDecoder: transformer, 19 class tokens (nn.Embedding(1, 256) each, official names and order),
// output_upscaling (ConvT 256->64 k2s2, LayerNorm2d, GELU, ConvT 64->32 k2s2, GELU), output_hypernetwork_mlps.
// image[B,256,h,w], pe[1,256,h,w] -> logits[B,19,4h,4w]
internal sealed class FaceDecoder : nn.Module
{
    public static readonly string[] TokenNames =
    {
        "background", "neck", "face", "cloth", "rightear", "leftear", "rightbro", "leftbro", "righteye", "lefteye",
        "nose", "innermouth", "lowerlip", "upperlip", "hair", "glass", "hat", "earring", "necklace",
    };

    private readonly TwoWayTransformer transformer;
    private readonly Embedding[] tokens;
    private readonly Sequential output_upscaling;
    private readonly HyperMLP output_hypernetwork_mlps;

    public FaceDecoder(long dim) : base(nameof(FaceDecoder))
    {
        transformer = new TwoWayTransformer(2, dim, 8, 2048);
        register_module(nameof(transformer), transformer);
        tokens = TokenNames.Select(n => nn.Embedding(1, dim)).ToArray();
        for (int i = 0; i < tokens.Length; i++) register_module(TokenNames[i] + "_token", tokens[i]);
        output_upscaling = nn.Sequential(
            nn.ConvTranspose2d(dim, dim / 4, 2, stride: 2), new LayerNorm2d(dim / 4), nn.GELU(),
            nn.ConvTranspose2d(dim / 4, dim / 8, 2, stride: 2), nn.GELU());
        output_hypernetwork_mlps = new HyperMLP(dim, dim, dim / 8, 3);
        register_module(nameof(output_upscaling), output_upscaling);
        register_module(nameof(output_hypernetwork_mlps), output_hypernetwork_mlps);
    }

    public Dictionary<string, Tensor>? Capture { get; set; }

    public Tensor Forward(Tensor image, Tensor imagePe)
    {
        var outputTokens = cat(tokens.Select(t => (Tensor)t.weight!).ToArray(), 0);
        var tok = outputTokens.unsqueeze(0).expand(image.shape[0], -1, -1);
        var posSrc = imagePe.expand(image.shape[0], -1, -1, -1);
        long b = image.shape[0], c = image.shape[1], h = image.shape[2], w = image.shape[3];
        var (hs, src) = transformer.Forward(image, posSrc, tok);
        src = src.transpose(1, 2).view(b, c, h, w);
        var up = output_upscaling.call(src);
        var hyper = output_hypernetwork_mlps.call(hs);
        if (Capture is not null)
        {
            Capture["tokens_out"] = hs;
            Capture["image_out"] = src;
            Capture["upscaled"] = up;
            Capture["hyper_in"] = hyper;
        }
        long ub = up.shape[0], uc = up.shape[1], uh = up.shape[2], uw = up.shape[3];
        return hyper.matmul(up.view(ub, uc, uh * uw)).view(ub, -1, uh, uw);
    }
}

// SAM PositionEmbeddingRandom(num_pos_feats 128): buffer positional_encoding_gaussian_matrix [2,128]. (h, w) -> pe[256,h,w]
internal sealed class PositionEmbeddingRandom : nn.Module
{
    private readonly Tensor positional_encoding_gaussian_matrix;

    public PositionEmbeddingRandom(long numPosFeats) : base(nameof(PositionEmbeddingRandom))
    {
        positional_encoding_gaussian_matrix = randn(2, numPosFeats);
        register_buffer(nameof(positional_encoding_gaussian_matrix), positional_encoding_gaussian_matrix);
    }

    public Tensor Forward(long h, long w)
    {
        var grid = ones(h, w, dtype: ScalarType.Float32);
        var yEmbed = (grid.cumsum(0) - 0.5) / h;
        var xEmbed = (grid.cumsum(1) - 0.5) / w;
        var coords = stack(new[] { xEmbed, yEmbed }, -1);
        coords = 2 * coords - 1;
        coords = coords.matmul(positional_encoding_gaussian_matrix);
        coords = 2 * Math.PI * coords;
        return cat(new[] { sin(coords), cos(coords) }, -1).permute(2, 0, 1);
    }
}

// SegfaceMLP: proj Linear(C_i -> 256) on flattened tokens. x[B,C,h,w] -> [B,hw,256]
internal sealed class SegfaceMLP : nn.Module<Tensor, Tensor>
{
    private readonly Linear proj;

    public SegfaceMLP(long input) : base(nameof(SegfaceMLP))
    {
        proj = nn.Linear(input, 256);
        register_module(nameof(proj), proj);
    }

    public override Tensor forward(Tensor x) => proj.call(x.flatten(2).transpose(1, 2));
}

// SegFaceCeleb(model="mobilenet"): backbone = mobilenet_v3_large().features (taps after 3, 6, 12, 16), pe_layer,
// face_decoder, linear_c (4 x SegfaceMLP), linear_fuse (1x1 conv 1024->256, no bias). x[B,3,H,W] -> logits[B,19,H',W']
// where H', W' = 4 x the stride-4 tap's size.
internal sealed class SegFaceCelebMobileNet : nn.Module<Tensor, Tensor>
{
    private readonly Sequential backbone;
    private readonly PositionEmbeddingRandom pe_layer;
    private readonly FaceDecoder face_decoder;
    private readonly ModuleList<SegfaceMLP> linear_c;
    private readonly Conv2d linear_fuse;

    public SegFaceCelebMobileNet() : base("SegFaceCeleb")
    {
        backbone = new MobileNetV3Large().features;
        pe_layer = new PositionEmbeddingRandom(128);
        face_decoder = new FaceDecoder(256);
        linear_c = nn.ModuleList(new long[] { 24, 40, 112, 960 }.Select(c => new SegfaceMLP(c)).ToArray());
        linear_fuse = nn.Conv2d(1024, 256, 1, bias: false);
        register_module(nameof(backbone), backbone);
        register_module(nameof(pe_layer), pe_layer);
        register_module(nameof(face_decoder), face_decoder);
        register_module(nameof(linear_c), linear_c);
        register_module(nameof(linear_fuse), linear_fuse);
    }

    // When set, forward also stores its intermediate tensors here (fixture diagnostics).
    public Dictionary<string, Tensor>? Capture { get; set; }

    public override Tensor forward(Tensor x)
    {
        var features = SequentialTaps.Run(backbone, MobileNetV3Large.TapIndices, x);
        long batch = features[^1].shape[0];
        var size = new[] { features[0].shape[2], features[0].shape[3] };
        var hidden = new List<Tensor>();
        for (int i = 0; i < 4; i++)
        {
            long h = features[i].shape[2], w = features[i].shape[3];
            var e = linear_c[i].call(features[i]).permute(0, 2, 1).reshape(batch, -1, h, w);
            hidden.Add(nn.functional.interpolate(e, size: size, mode: InterpolationMode.Bilinear, align_corners: false));
        }
        hidden.Reverse(); // official: torch.cat(all_hidden_states[::-1], dim=1) -- deepest first
        var fused = linear_fuse.call(cat(hidden.ToArray(), 1));
        var imagePe = pe_layer.Forward(fused.shape[2], fused.shape[3]).unsqueeze(0);
        if (Capture is not null)
        {
            for (int i = 0; i < 4; i++) Capture[$"tap{i}"] = features[i];
            Capture["fused"] = fused;
            Capture["image_pe"] = imagePe;
        }
        face_decoder.Capture = Capture;
        return face_decoder.Forward(fused, imagePe);
    }
}
