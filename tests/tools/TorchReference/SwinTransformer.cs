using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TorchReference;

// torchvision.models.swin_b (torchvision/models/swin_transformer.py, v1): features.0 = Sequential(conv 4x4/4, Permute,
// LayerNorm); features 1, 3, 5, 7 = stages of SwinTransformerBlock (depths 2, 2, 18, 2; heads 4, 8, 16, 32; window 7;
// odd blocks shifted by 3); features 2, 4, 6 = PatchMerging; norm, permute, avgpool, flatten, head.
// Works channel-last: x[N,H,W,C]. Taps = stage outputs 1, 3, 5, 7 permuted to NCHW (as SegFace's hook does).
internal sealed class SwinB : nn.Module<Tensor, Tensor>, ITapped
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
            this.window = window;
            this.shift = shift;
            this.heads = heads;
            qkv = nn.Linear(dim, dim * 3);
            proj = nn.Linear(dim, dim);
            register_module(nameof(qkv), qkv);
            register_module(nameof(proj), proj);
            relative_position_bias_table = new Parameter(zeros((2 * window - 1) * (2 * window - 1), heads));
            register_parameter(nameof(relative_position_bias_table), relative_position_bias_table);
            // index[(i, j)] = (dy + w - 1) * (2w - 1) + (dx + w - 1) for tokens i, j of a window (row-major)
            long n = window * window;
            var idx = new long[n * n];
            for (long i = 0; i < n; i++)
                for (long j = 0; j < n; j++)
                    idx[i * n + j] = (i / window - j / window + window - 1) * (2 * window - 1) + (i % window - j % window + window - 1);
            relative_position_index = tensor(idx, ScalarType.Int64);
            register_buffer(nameof(relative_position_index), relative_position_index);
        }

        // Python slice [start:stop] on a dimension of length len (negative from the end, null = open).
        private static (long, long) PySlice(long? start, long? stop, long len)
        {
            long Norm(long? v, long open) => v is null ? open : Math.Clamp(v.Value < 0 ? v.Value + len : v.Value, 0, len);
            return (Norm(start, 0), Norm(stop, len));
        }

        public override Tensor forward(Tensor input)
        {
            long b = input.shape[0], h = input.shape[1], w = input.shape[2], c = input.shape[3], ws = window;
            long padR = (ws - w % ws) % ws, padB = (ws - h % ws) % ws;
            var x = nn.functional.pad(input, new long[] { 0, 0, 0, padR, 0, padB });
            long pH = x.shape[1], pW = x.shape[2];
            long shiftH = ws >= pH ? 0 : shift, shiftW = ws >= pW ? 0 : shift; // torchvision: no shift if the window covers the map
            bool shifted = shiftH + shiftW > 0;
            if (shifted) x = x.roll(new[] { -shiftH, -shiftW }, new long[] { 1, 2 });
            long nW = pH / ws * (pW / ws), n = ws * ws;
            x = x.view(b, pH / ws, ws, pW / ws, ws, c).permute(0, 1, 3, 2, 4, 5).reshape(b * nW, n, c);
            var qkvOut = qkv.call(x).reshape(x.shape[0], n, 3, heads, c / heads).permute(2, 0, 3, 1, 4);
            var q = qkvOut[0] * Math.Pow(c / heads, -0.5);
            var k = qkvOut[1];
            var v = qkvOut[2];
            var attn = q.matmul(k.transpose(-2, -1));
            var bias = relative_position_bias_table[relative_position_index].view(n, n, -1).permute(2, 0, 1).contiguous().unsqueeze(0);
            attn = attn + bias;
            if (shifted)
            {
                var mask = zeros(pH, pW);
                var hs = new[] { PySlice(0, -ws, pH), PySlice(-ws, -shiftH, pH), PySlice(-shiftH, null, pH) };
                var wsl = new[] { PySlice(0, -ws, pW), PySlice(-ws, -shiftW, pW), PySlice(-shiftW, null, pW) };
                int count = 0;
                foreach (var (h0, h1) in hs)
                    foreach (var (w0, w1) in wsl)
                    {
                        if (h1 > h0 && w1 > w0) mask[TensorIndex.Slice(h0, h1), TensorIndex.Slice(w0, w1)] = tensor((float)count);
                        count++;
                    }
                mask = mask.view(pH / ws, ws, pW / ws, ws).permute(0, 2, 1, 3).reshape(nW, n);
                mask = mask.unsqueeze(1) - mask.unsqueeze(2);
                mask = mask.masked_fill(mask != 0, -100.0f).masked_fill(mask == 0, 0.0f);
                attn = attn.view(x.shape[0] / nW, nW, heads, n, n) + mask.unsqueeze(1).unsqueeze(0);
                attn = attn.view(-1, heads, n, n);
            }
            attn = softmax(attn, -1);
            x = attn.matmul(v).transpose(1, 2).reshape(x.shape[0], n, c);
            x = proj.call(x);
            x = x.view(b, pH / ws, pW / ws, ws, ws, c).permute(0, 1, 3, 2, 4, 5).reshape(b, pH, pW, c);
            if (shifted) x = x.roll(new[] { shiftH, shiftW }, new long[] { 1, 2 });
            return x[.., TensorIndex.Slice(0, h), TensorIndex.Slice(0, w), ..].contiguous();
        }
    }

    // SwinTransformerBlock: norm1, attn, norm2, mlp (Linear C->4C, GELU, Dropout, Linear 4C->C, Dropout: keys mlp.0, mlp.3).
    private sealed class Block : nn.Module<Tensor, Tensor>
    {
        private readonly LayerNorm norm1, norm2;
        private readonly ShiftedWindowAttention attn;
        private readonly Sequential mlp;

        public Block(long dim, long heads, long shift) : base("SwinTransformerBlock")
        {
            norm1 = nn.LayerNorm(dim);
            attn = new ShiftedWindowAttention(dim, 7, shift, heads);
            norm2 = nn.LayerNorm(dim);
            mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Dropout(0.0), nn.Linear(4 * dim, dim), nn.Dropout(0.0));
            register_module(nameof(norm1), norm1);
            register_module(nameof(attn), attn);
            register_module(nameof(norm2), norm2);
            register_module(nameof(mlp), mlp);
        }

        public override Tensor forward(Tensor x)
        {
            x = x + attn.call(norm1.call(x)); // stochastic depth = identity in eval
            return x + mlp.call(norm2.call(x));
        }
    }

    // PatchMerging: reduction Linear(4C -> 2C, no bias), norm LayerNorm(4C). x[N,H,W,C] -> [N,ceil(H/2),ceil(W/2),2C]
    private sealed class PatchMerging : nn.Module<Tensor, Tensor>
    {
        private readonly Linear reduction;
        private readonly LayerNorm norm;

        public PatchMerging(long dim) : base(nameof(PatchMerging))
        {
            reduction = nn.Linear(4 * dim, 2 * dim, hasBias: false);
            norm = nn.LayerNorm(4 * dim);
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
            return reduction.call(norm.call(cat(new[] { x0, x1, x2, x3 }, -1)));
        }
    }

    public static readonly int[] TapIndices = { 1, 3, 5, 7 };
    public readonly Sequential features;
    private readonly LayerNorm norm;
    private readonly nn.Module<Tensor, Tensor> permute, avgpool, flatten;
    private readonly Linear head;

    public SwinB() : base("SwinTransformer")
    {
        long[] depths = { 2, 2, 18, 2 }, heads = { 4, 8, 16, 32 };
        var layers = new List<nn.Module<Tensor, Tensor>>
        {
            nn.Sequential(nn.Conv2d(3, 128, 4, stride: 4L, padding: 0L), new Permute(0, 2, 3, 1), nn.LayerNorm(128)),
        };
        for (int s = 0; s < 4; s++)
        {
            long dim = 128L << s;
            layers.Add(nn.Sequential(Enumerable.Range(0, (int)depths[s]).Select(i => (nn.Module<Tensor, Tensor>)new Block(dim, heads[s], i % 2 == 0 ? 0 : 3)).ToArray()));
            if (s < 3) layers.Add(new PatchMerging(dim));
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
