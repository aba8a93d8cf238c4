using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TorchReference;

// torchvision.models.swin_b / swin_v2_b (torchvision/models/swin_transformer.py): features.0 = Sequential(conv 4x4/4,
// Permute, LayerNorm); features 1, 3, 5, 7 = stages of SwinTransformerBlock(V2) (depths 2, 2, 18, 2; heads 4, 8, 16, 32;
// window 7 (v1) / 8 (v2); odd blocks shifted by window/2); features 2, 4, 6 = PatchMerging(V2); norm, permute, avgpool,
// flatten, head.
// Works channel-last: x[N,H,W,C]. Taps = stage outputs 1, 3, 5, 7 permuted to NCHW (as SegFace's hook does).
internal sealed class Swin : nn.Module<Tensor, Tensor>, ITapped
{
    // ShiftedWindowAttention: own parameter relative_position_bias_table [(2w-1)^2, heads], buffer relative_position_index
    // (int64, [w^4]), children qkv (C -> 3C), proj. x[N,H,W,C] -> same
    private sealed class ShiftedWindowAttention : nn.Module<Tensor, Tensor>
    {
        private readonly Linear qkv, proj;
        private readonly Parameter relative_position_bias_table;
        private readonly Tensor relative_position_index;
        private readonly long window, shift, heads;

        public ShiftedWindowAttention(long dim, long window, long shift, long heads) : base(nameof(ShiftedWindowAttention))
        {
            (this.window, this.shift, this.heads) = (window, shift, heads);
            qkv = nn.Linear(dim, dim * 3);
            proj = nn.Linear(dim, dim);
            register_module(nameof(qkv), qkv);
            register_module(nameof(proj), proj);
            relative_position_bias_table = new Parameter(zeros((2 * window - 1) * (2 * window - 1), heads));
            register_parameter(nameof(relative_position_bias_table), relative_position_bias_table);
            relative_position_index = SwinWindows.RelativePositionIndex(window);
            register_buffer(nameof(relative_position_index), relative_position_index);
        }

        public override Tensor forward(Tensor input)
        {
            var bias = SwinWindows.GatherBias(relative_position_bias_table, relative_position_index, window);
            return SwinWindows.Attention(input, qkv.weight!, qkv.bias, proj.weight!, proj.bias, bias, window, shift, heads, logitScale: null);
        }
    }

    // ShiftedWindowAttentionV2: own parameter logit_scale [heads,1,1]; buffers relative_coords_table [1,2w-1,2w-1,2]
    // (sign(t)·log2(|t|+1)/3, t = 8·Δ/(w-1)) and relative_position_index; children qkv, proj, cpb_mlp (Linear 2 -> 512,
    // ReLU, Linear 512 -> heads without bias). Bias = 16·sigmoid(cpb_mlp(table) gathered). x[N,H,W,C] -> same
    private sealed class ShiftedWindowAttentionV2 : nn.Module<Tensor, Tensor>
    {
        private readonly Linear qkv, proj;
        private readonly Sequential cpb_mlp;
        private readonly Parameter logit_scale;
        private readonly Tensor relative_coords_table, relative_position_index;
        private readonly long window, shift, heads;

        public ShiftedWindowAttentionV2(long dim, long window, long shift, long heads) : base(nameof(ShiftedWindowAttentionV2))
        {
            (this.window, this.shift, this.heads) = (window, shift, heads);
            qkv = nn.Linear(dim, dim * 3);
            proj = nn.Linear(dim, dim);
            register_module(nameof(qkv), qkv);
            register_module(nameof(proj), proj);
            var coords = arange(-(window - 1), window, dtype: ScalarType.Float32);
            var grid = stack(meshgrid(new[] { coords, coords }, indexing: "ij")).permute(1, 2, 0).contiguous().unsqueeze(0);
            grid = grid / (window - 1) * 8;
            relative_coords_table = grid.sign() * (grid.abs() + 1.0).log2() / 3.0;
            register_buffer(nameof(relative_coords_table), relative_coords_table);
            relative_position_index = SwinWindows.RelativePositionIndex(window);
            register_buffer(nameof(relative_position_index), relative_position_index);
            logit_scale = new Parameter((10 * ones(heads, 1, 1)).log());
            register_parameter(nameof(logit_scale), logit_scale);
            cpb_mlp = nn.Sequential(nn.Linear(2, 512), nn.ReLU(), nn.Linear(512, heads, hasBias: false));
            register_module(nameof(cpb_mlp), cpb_mlp);
        }

        public override Tensor forward(Tensor input)
        {
            var table = cpb_mlp.call(relative_coords_table).view(-1, heads);
            var bias = 16 * SwinWindows.GatherBias(table, relative_position_index, window).sigmoid();
            return SwinWindows.Attention(input, qkv.weight!, qkv.bias, proj.weight!, proj.bias, bias, window, shift, heads, logit_scale);
        }
    }

    // SwinTransformerBlock (v1: x + attn(norm1(x)), x + mlp(norm2(x))) / SwinTransformerBlockV2 (res-post-norm:
    // x + norm1(attn(x)), x + norm2(mlp(x))): norm1, attn, norm2, mlp (Linear C->4C, GELU, Dropout, Linear 4C->C, Dropout:
    // keys mlp.0, mlp.3). Stochastic depth = identity in eval.
    private sealed class Block : nn.Module<Tensor, Tensor>
    {
        private readonly LayerNorm norm1, norm2;
        private readonly nn.Module<Tensor, Tensor> attn;
        private readonly Sequential mlp;
        private readonly bool v2;

        public Block(long dim, long heads, long window, long shift, bool v2) : base(v2 ? "SwinTransformerBlockV2" : "SwinTransformerBlock")
        {
            this.v2 = v2;
            norm1 = nn.LayerNorm(dim);
            attn = v2 ? new ShiftedWindowAttentionV2(dim, window, shift, heads) : new ShiftedWindowAttention(dim, window, shift, heads);
            norm2 = nn.LayerNorm(dim);
            mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Dropout(0.0), nn.Linear(4 * dim, dim), nn.Dropout(0.0));
            register_module(nameof(norm1), norm1);
            register_module(nameof(attn), attn);
            register_module(nameof(norm2), norm2);
            register_module(nameof(mlp), mlp);
        }

        public override Tensor forward(Tensor x)
        {
            if (v2)
            {
                x = x + norm1.call(attn.call(x));
                return x + norm2.call(mlp.call(x));
            }
            x = x + attn.call(norm1.call(x));
            return x + mlp.call(norm2.call(x));
        }
    }

    // PatchMerging (v1: norm LayerNorm(4C) before the reduction) / PatchMergingV2 (norm LayerNorm(2C) after it); reduction
    // Linear(4C -> 2C, no bias). x[N,H,W,C] -> [N,ceil(H/2),ceil(W/2),2C]
    private sealed class PatchMerging : nn.Module<Tensor, Tensor>
    {
        private readonly Linear reduction;
        private readonly LayerNorm norm;
        private readonly bool v2;

        public PatchMerging(long dim, bool v2) : base(v2 ? "PatchMergingV2" : nameof(PatchMerging))
        {
            this.v2 = v2;
            reduction = nn.Linear(4 * dim, 2 * dim, hasBias: false);
            norm = nn.LayerNorm(v2 ? 2 * dim : 4 * dim);
            register_module(nameof(reduction), reduction);
            register_module(nameof(norm), norm);
        }

        public override Tensor forward(Tensor x)
        {
            long h = x.shape[1], w = x.shape[2];
            x = nn.functional.pad(x, new long[] { 0, 0, 0, w % 2, 0, h % 2 });
            var x0 = x[.., TensorIndex.Slice(0, null, 2), TensorIndex.Slice(0, null, 2), ..];
            var x1 = x[.., TensorIndex.Slice(1, null, 2), TensorIndex.Slice(0, null, 2), ..];
            var x2 = x[.., TensorIndex.Slice(0, null, 2), TensorIndex.Slice(1, null, 2), ..];
            var x3 = x[.., TensorIndex.Slice(1, null, 2), TensorIndex.Slice(1, null, 2), ..];
            var merged = cat(new[] { x0, x1, x2, x3 }, -1);
            return v2 ? norm.call(reduction.call(merged)) : reduction.call(norm.call(merged));
        }
    }

    public static readonly int[] TapIndices = { 1, 3, 5, 7 };
    public readonly Sequential features;
    private readonly LayerNorm norm;
    private readonly nn.Module<Tensor, Tensor> permute, avgpool, flatten;
    private readonly Linear head;

    // v2 = false: swin_b (window 7); true: swin_v2_b (window 8)
    public Swin(bool v2) : base("SwinTransformer")
    {
        long[] depths = { 2, 2, 18, 2 }, heads = { 4, 8, 16, 32 };
        long window = v2 ? 8 : 7;
        var layers = new List<nn.Module<Tensor, Tensor>>
        {
            nn.Sequential(nn.Conv2d(3, 128, 4, stride: 4L, padding: 0L), new Permute(0, 2, 3, 1), nn.LayerNorm(128)),
        };
        for (int s = 0; s < 4; s++)
        {
            long dim = 128L << s;
            layers.Add(nn.Sequential(Enumerable.Range(0, (int)depths[s])
                .Select(i => (nn.Module<Tensor, Tensor>)new Block(dim, heads[s], window, i % 2 == 0 ? 0 : window / 2, v2)).ToArray()));
            if (s < 3) layers.Add(new PatchMerging(dim, v2));
        }
        features = nn.Sequential(layers);
        norm = nn.LayerNorm(1024);
        permute = new Permute(0, 3, 1, 2);
        avgpool = nn.AdaptiveAvgPool2d(1);
        flatten = nn.Flatten(1);
        head = nn.Linear(1024, 1000);
        register_module(nameof(features), features);
        register_module(nameof(norm), norm);
        register_module(nameof(permute), permute);
        register_module(nameof(avgpool), avgpool);
        register_module(nameof(flatten), flatten);
        register_module(nameof(head), head);
    }

    public override Tensor forward(Tensor x) => head.call(flatten.call(avgpool.call(permute.call(norm.call(features.call(x))))));

    public Tensor[] Taps(Tensor x) => SequentialTaps.Run(features, TapIndices, x).Select(t => t.permute(0, 3, 1, 2).contiguous()).ToArray();
}
