using FaceParse.Nn;
using FaceParse.Tensors;

namespace FaceParse.Models.SegFace;

/// <summary>SAM's TwoWayTransformer (<c>face_decoder.transformer</c>): <c>layers.0..depth−1</c> two-way blocks, then
/// <c>final_attn_token_to_image</c> (r = 2) with residual and <c>norm_final_attn</c>.</summary>
// image[N,D,h,w], imagePe[N,D,h,w], tokens[N,T,D] -> (tokens[N,T,D], image[N,hw,D])
public sealed class TwoWayTransformer : Module
{
    public TwoWayTransformer(VarBuilder vb, int depth = 2, int dim = 256, int heads = 8, int mlpDim = 2048, int downsampleRate = 2)
    {
        Layers = Child(vb, "layers", v => new ModuleList<TwoWayAttentionBlock>(v, depth, (b, i) => new TwoWayAttentionBlock(b, dim, heads, mlpDim, downsampleRate, skipFirstLayerPe: i == 0)));
        FinalAttn = Child(vb, "final_attn_token_to_image", v => new SamAttention(v, dim, heads, downsampleRate));
        NormFinal = Child(vb, "norm_final_attn", v => new LayerNorm(v, dim));
    }

    public ModuleList<TwoWayAttentionBlock> Layers { get; }
    public SamAttention FinalAttn { get; }
    public LayerNorm NormFinal { get; }

    public (Tensor Tokens, Tensor Image) Forward(Tensor image, Tensor imagePe, Tensor tokens)
    {
        // Channels-last copies made once: every later add, norm and projection then reads contiguous rows (as strided
        // views each of those ops gathered through the permutation again).
        var keys = image.Flatten(2).Permute(0, 2, 1).Contiguous();  // [N,hw,D]
        var keyPe = imagePe.Flatten(2).Permute(0, 2, 1).Contiguous();
        var queries = tokens;
        foreach (var layer in Layers) (queries, keys) = layer.Forward(queries, keys, tokens, keyPe);
        var attn = FinalAttn.Forward(queries.Add(tokens), keys.Add(keyPe), keys);
        return (NormFinal.Forward(queries.Add(attn)), keys);
    }
}

/// <summary>SAM's TwoWayAttentionBlock: (1) token self-attention (first layer: no PE, no residual), norm1;
/// (2) tokens → image cross-attention (r = 2), norm2; (3) MLP D → mlpDim → D with ReLU (<c>mlp.lin1</c>,
/// <c>mlp.lin2</c>), norm3; (4) image → tokens cross-attention, norm4 on the image side. LayerNorm eps 1e-5.</summary>
// queries[N,T,D], keys[N,hw,D], queryPe[N,T,D], keyPe[N,hw,D] -> (queries[N,T,D], keys[N,hw,D])
public sealed class TwoWayAttentionBlock : Module
{
    private readonly bool _skipFirstLayerPe;

    public TwoWayAttentionBlock(VarBuilder vb, int dim, int heads, int mlpDim, int downsampleRate, bool skipFirstLayerPe)
    {
        _skipFirstLayerPe = skipFirstLayerPe;
        SelfAttn = Child(vb, "self_attn", v => new SamAttention(v, dim, heads));
        Norm1 = Child(vb, "norm1", v => new LayerNorm(v, dim));
        CrossTokenToImage = Child(vb, "cross_attn_token_to_image", v => new SamAttention(v, dim, heads, downsampleRate));
        Norm2 = Child(vb, "norm2", v => new LayerNorm(v, dim));
        Mlp = Child(vb, "mlp", v => new MlpBlock(v, dim, mlpDim));
        Norm3 = Child(vb, "norm3", v => new LayerNorm(v, dim));
        Norm4 = Child(vb, "norm4", v => new LayerNorm(v, dim));
        CrossImageToToken = Child(vb, "cross_attn_image_to_token", v => new SamAttention(v, dim, heads, downsampleRate));
    }

    /// <summary>The first block's self-attention takes no positional encoding and no residual (for the ONNX exporter).</summary>
    internal bool SkipFirstLayerPe => _skipFirstLayerPe;

    public SamAttention SelfAttn { get; }
    public LayerNorm Norm1 { get; }
    public SamAttention CrossTokenToImage { get; }
    public LayerNorm Norm2 { get; }
    public MlpBlock Mlp { get; }
    public LayerNorm Norm3 { get; }
    public LayerNorm Norm4 { get; }
    public SamAttention CrossImageToToken { get; }

    public (Tensor Queries, Tensor Keys) Forward(Tensor queries, Tensor keys, Tensor queryPe, Tensor keyPe)
    {
        if (_skipFirstLayerPe) queries = SelfAttn.Forward(queries, queries, queries);
        else
        {
            var q0 = queries.Add(queryPe);
            queries = queries.Add(SelfAttn.Forward(q0, q0, queries));
        }
        queries = Norm1.Forward(queries);
        var q = queries.Add(queryPe);
        var k = keys.Add(keyPe);
        queries = Norm2.Forward(queries.Add(CrossTokenToImage.Forward(q, k, keys)));
        queries = Norm3.Forward(queries.Add(Mlp.Forward(queries)));
        q = queries.Add(queryPe);
        k = keys.Add(keyPe);
        keys = Norm4.Forward(keys.Add(CrossImageToToken.Forward(k, q, queries)));
        return (queries, keys);
    }
}

/// <summary>SAM's MLPBlock with the activation SegFace passes (ReLU): <c>lin2</c>(relu(<c>lin1</c>(x))).</summary>
// x[..., D] -> [..., D]
public sealed class MlpBlock : Module, IModule
{
    public MlpBlock(VarBuilder vb, int dim, int mlpDim)
    {
        Lin1 = Child(vb, "lin1", v => new Linear(v, dim, mlpDim));
        Lin2 = Child(vb, "lin2", v => new Linear(v, mlpDim, dim));
    }

    public Linear Lin1 { get; }
    public Linear Lin2 { get; }

    public Tensor Forward(Tensor x) => Lin2.Forward(Lin1.Forward(x).Relu());
}
