using System.Globalization;
using FaceParse.Nn;
using FaceParse.Tensors;

namespace FaceParse.Models.Backbones;

/// <summary>torchvision swin_b / swin_v2_b as SegFace keeps them (<c>nn.Sequential(features, norm, …)</c>, keys
/// <c>0.…</c> and <c>1.…</c>): <c>0.0</c> 4×4/4 patch embedding conv 3 → 128 + LayerNorm (<c>0.0.2</c>); stages of
/// depths [2, 2, 18, 2], heads [4, 8, 16, 32] at 128·2^i channels (features 1, 3, 5, 7) with patch merging between;
/// window 7 (v1) / 8 (v2), shift w/2 on odd blocks; stochastic depth 0.5·block/(total − 1); final <c>1</c> LayerNorm
/// (in the checkpoint and the parameter count, unused by SegFace). Taps: stage outputs before the final norm,
/// NHWC → NCHW.</summary>
// x[N,3,H,W] -> taps [N,128,H/4,W/4], [N,256,H/8,W/8], [N,512,H/16,W/16], [N,1024,H/32,W/32] (ceil for odd sizes)
public sealed class SwinTransformer : Module, IBackbone
{
    private readonly DropPathRandom _dropPath = new();

    public void ReseedStochasticDepth(int seed) => _dropPath.Reseed(seed);

    private static readonly int[] Depths = [2, 2, 18, 2];
    private static readonly int[] Heads = [4, 8, 16, 32];
    private const int EmbedDim = 128;
    private readonly Conv2d _patch;
    private readonly LayerNorm _patchNorm;
    private readonly Sequential[] _stages = new Sequential[4];
    private readonly PatchMerging[] _merges = new PatchMerging[3];

    /// <summary>swin_b (<paramref name="v2"/> false) or swin_v2_b.</summary>
    public SwinTransformer(VarBuilder vb, bool v2)
    {
        V2 = v2;
        int window = v2 ? 8 : 7;
        var f = vb.Sub("0");
        var features = new Sequential();
        var embed = new Slots();
        _patch = embed.Add("0", new Conv2d(f.Sub(0).Sub(0), 3, EmbedDim, 4, 4));
        _patchNorm = embed.Add("2", new LayerNorm(f.Sub(0).Sub(2), EmbedDim));
        features.Add(embed);
        var rng = _dropPath;
        int total = Depths.Sum(), blockId = 0;
        for (int s = 0; s < 4; s++)
        {
            int dim = EmbedDim << s, heads = Heads[s];
            _stages[s] = new Sequential(f.Sub(2 * s + 1), Depths[s], (b, i) =>
                new SwinBlock(b, dim, heads, window, i % 2 == 0 ? 0 : window / 2, 0.5f * blockId++ / (total - 1f), v2, rng));
            features.Add(_stages[s]);
            if (s < 3) features.Add(_merges[s] = new PatchMerging(f.Sub(2 * s + 2), dim, v2));
        }
        RegisterModule("0", features);
        Norm = Child(vb, "1", v => new LayerNorm(v, EmbedDim << 3));
    }

    public bool V2 { get; }

    /// <summary>The classifier's final LayerNorm (kept for the state dict; SegFace's taps come before it).</summary>
    public LayerNorm Norm { get; }

    public IReadOnlyList<int> TapChannels { get; } = [128, 256, 512, 1024];

    /// <summary>Patch embedding, stages and patch mergings (for the ONNX exporter).</summary>
    internal Conv2d Patch => _patch;
    internal LayerNorm PatchNorm => _patchNorm;
    internal IReadOnlyList<Sequential> Stages => _stages;
    internal IReadOnlyList<PatchMerging> Merges => _merges;

    public Tensor[] Taps(Tensor x)
    {
        x = _patchNorm.Forward(_patch.Forward(x).Permute(0, 2, 3, 1)); // [N,H/4,W/4,128]
        var taps = new Tensor[4];
        for (int s = 0; s < 4; s++)
        {
            x = _stages[s].Forward(x);
            taps[s] = x.Permute(0, 3, 1, 2).Contiguous();
            if (s < 3) x = _merges[s].Forward(x);
        }
        return taps;
    }

    public string? FromTorchvisionKey(string torchvisionKey) =>
        BackboneKeys.StripPrefix(torchvisionKey, "features") is { } k ? "0." + k
        : BackboneKeys.StripPrefix(torchvisionKey, "norm") is { } n ? "1." + n : null;

    /// <summary>torchvision SwinTransformerBlock (pre-norm: x + sd(attn(norm1(x))), x + sd(mlp(norm2(x)))) and
    /// SwinTransformerBlockV2 (res-post-norm: x + sd(norm1(attn(x))), x + sd(norm2(mlp(x)))); <c>mlp</c> = Linear
    /// C → 4C (<c>mlp.0</c>), GELU, Linear 4C → C (<c>mlp.3</c>).</summary>
    // x[B,H,W,C] -> [B,H,W,C]
    public sealed class SwinBlock : Module, IModule
    {
        private readonly bool _v2;
        private readonly float _p;
        private readonly DropPathRandom _rng;

        public SwinBlock(VarBuilder vb, int dim, int heads, int window, int shift, float sdProb, bool v2, DropPathRandom rng)
        {
            (_v2, _p, _rng) = (v2, sdProb, rng);
            Norm1 = Child(vb, "norm1", v => new LayerNorm(v, dim));
            Attn = Child(vb, "attn", v => new ShiftedWindowAttention(v, dim, window, shift, heads, v2));
            Norm2 = Child(vb, "norm2", v => new LayerNorm(v, dim));
            var mlp = new Slots();
            Fc1 = mlp.Add("0", new Linear(vb.Sub("mlp").Sub(0), dim, 4 * dim));
            Fc2 = mlp.Add("3", new Linear(vb.Sub("mlp").Sub(3), 4 * dim, dim));
            RegisterModule("mlp", mlp);
        }

        /// <summary>Res-post-norm (v2) rather than pre-norm.</summary>
        internal bool V2 => _v2;

        public LayerNorm Norm1 { get; }
        public ShiftedWindowAttention Attn { get; }
        public LayerNorm Norm2 { get; }
        public Linear Fc1 { get; }
        public Linear Fc2 { get; }

        public Tensor Forward(Tensor x)
        {
            var a = _v2 ? Norm1.Forward(Attn.Forward(x)) : Attn.Forward(Norm1.Forward(x));
            x = x.Add(a.StochasticDepth(_p, rowMode: true, Training, _rng.Random));
            var m = _v2 ? Norm2.Forward(Mlp(x)) : Mlp(Norm2.Forward(x));
            return x.Add(m.StochasticDepth(_p, rowMode: true, Training, _rng.Random));
        }

        private Tensor Mlp(Tensor x) => Fc2.Forward(Fc1.Forward(x).Gelu());
    }

    /// <summary>torchvision PatchMerging (pad to even, concat the 2×2 neighbours x0,x1,x2,x3 → 4C, LayerNorm(4C), Linear
    /// 4C → 2C without bias) and PatchMergingV2 (Linear first, then LayerNorm(2C)).</summary>
    // x[B,H,W,C] -> [B,⌈H/2⌉,⌈W/2⌉,2C]
    public sealed class PatchMerging : Module, IModule
    {
        private readonly bool _v2;

        public PatchMerging(VarBuilder vb, int dim, bool v2)
        {
            _v2 = v2;
            Reduction = Child(vb, "reduction", v => new Linear(v, 4 * dim, 2 * dim, bias: false));
            Norm = Child(vb, "norm", v => new LayerNorm(v, v2 ? 2 * dim : 4 * dim));
        }

        /// <summary>Linear before the norm (v2) rather than after.</summary>
        internal bool V2 => _v2;

        public Linear Reduction { get; }
        public LayerNorm Norm { get; }

        public Tensor Forward(Tensor x)
        {
            int b = x.Dim(0), h = x.Dim(1), w = x.Dim(2), c = x.Dim(3);
            if (h % 2 != 0 || w % 2 != 0) x = x.Pad([0, 0, 0, w % 2, 0, h % 2]);
            int h2 = (h + 1) / 2, w2 = (w + 1) / 2;
            // [B,h2,2(dy),w2,2(dx),C] -> [B,h2,w2,dx,dy,C]: concat order (0,0), (1,0), (0,1), (1,1) in (dy, dx).
            x = x.Reshape(b, h2, 2, w2, 2, c).Permute(0, 1, 3, 4, 2, 5).Reshape(b, h2, w2, 4 * c);
            return _v2 ? Norm.Forward(Reduction.Forward(x)) : Reduction.Forward(Norm.Forward(x));
        }
    }
}
