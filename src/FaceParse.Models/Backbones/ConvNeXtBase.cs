using System.Globalization;
using FaceParse.Nn;
using FaceParse.Tensors;

namespace FaceParse.Models.Backbones;

/// <summary>torchvision convnext_base as SegFace keeps it (<c>nn.Sequential(features, avgpool)</c>, so keys
/// <c>0.…</c>): <c>0.0</c> 4×4/4 conv 3 → 128 (biased) + <c>0.1</c> LayerNorm2d; stages of CNBlocks [3, 3, 27, 3]
/// at 128/256/512/1024 channels (features 1, 3, 5, 7) with LayerNorm2d + 2×2/2 conv downsamples between (2, 4, 6).
/// Norm eps 1e-6; stochastic depth 0.5·block/(total − 1). Taps after features 1, 3, 5, 7.</summary>
// x[N,3,H,W] -> taps [N,128,H/4,W/4], [N,256,H/8,W/8], [N,512,H/16,W/16], [N,1024,H/32,W/32]
public sealed class ConvNeXtBase : Module, IBackbone
{
    private readonly DropPathRandom _dropPath = new();

    public void ReseedStochasticDepth(int seed) => _dropPath.Reseed(seed);

    private static readonly int[] Dims = [128, 256, 512, 1024];
    private static readonly int[] Depths = [3, 3, 27, 3];
    private const float StochasticDepthProb = 0.5f;
    private readonly Conv2d _stem;
    private readonly LayerNorm2d _stemNorm;
    private readonly Sequential[] _stages = new Sequential[4];
    private readonly (LayerNorm2d Norm, Conv2d Conv)[] _downsamples = new (LayerNorm2d, Conv2d)[3];

    public ConvNeXtBase(VarBuilder vb)
    {
        var features = vb.Sub("0");
        var seq = new Sequential();
        var rng = _dropPath;
        var stem = features.Sub(0);
        _stem = new Conv2d(stem.Sub(0), 3, Dims[0], 4, 4);
        _stemNorm = new LayerNorm2d(stem.Sub(1), Dims[0]);
        seq.Add(new Sequential(_stem, _stemNorm));
        int total = Depths.Sum(), blockId = 0;
        for (int s = 0; s < 4; s++)
        {
            int dim = Dims[s];
            _stages[s] = new Sequential(features.Sub(2 * s + 1), Depths[s], (b, _) => new CNBlock(b, dim, StochasticDepthProb * blockId++ / (total - 1f), rng));
            seq.Add(_stages[s]);
            if (s < 3)
            {
                var d = features.Sub(2 * s + 2);
                _downsamples[s] = (new LayerNorm2d(d.Sub(0), dim), new Conv2d(d.Sub(1), dim, Dims[s + 1], 2, 2));
                seq.Add(new Sequential(_downsamples[s].Norm, _downsamples[s].Conv));
            }
        }
        RegisterModule("0", seq);
    }

    public IReadOnlyList<int> TapChannels => Dims;

    /// <summary>Stem, stages and downsamples (for the ONNX exporter).</summary>
    internal Conv2d Stem => _stem;
    internal LayerNorm2d StemNorm => _stemNorm;
    internal IReadOnlyList<Sequential> Stages => _stages;
    internal IReadOnlyList<(LayerNorm2d Norm, Conv2d Conv)> Downsamples => _downsamples;

    public Tensor[] Taps(Tensor x)
    {
        x = _stemNorm.Forward(_stem.Forward(x));
        var taps = new Tensor[4];
        for (int s = 0; s < 4; s++)
        {
            taps[s] = x = _stages[s].Forward(x);
            if (s < 3) x = _downsamples[s].Conv.Forward(_downsamples[s].Norm.Forward(x));
        }
        return taps;
    }

    public string? FromTorchvisionKey(string torchvisionKey) =>
        BackboneKeys.StripPrefix(torchvisionKey, "features") is { } k ? "0." + k : null;

    /// <summary>torchvision CNBlock: x + stochastic_depth(layer_scale · block(x)), block = 7×7 depthwise conv (biased),
    /// permute to NHWC, LayerNorm (eps 1e-6), Linear C → 4C, GELU, Linear 4C → C, permute back; <c>layer_scale</c> [C,1,1].</summary>
    // x[N,C,H,W] -> [N,C,H,W]
    public sealed class CNBlock : Module, IModule
    {
        private readonly float _p;
        private readonly DropPathRandom _rng;

        public CNBlock(VarBuilder vb, int dim, float sdProb, DropPathRandom rng)
        {
            (_p, _rng) = (sdProb, rng);
            LayerScale = Param(vb, "layer_scale", [dim, 1, 1], Init.Constant(1e-6f));
            var b = vb.Sub("block");
            Dw = new Conv2d(b.Sub(0), dim, dim, 7, 1, 3, groups: dim);
            Norm = new LayerNorm(b.Sub(2), dim, 1e-6f);
            Fc1 = new Linear(b.Sub(3), dim, 4 * dim);
            Fc2 = new Linear(b.Sub(5), 4 * dim, dim);
            var block = new Slots();
            RegisterModule("block", block);
            block.Add("0", Dw);
            block.Add("2", Norm);
            block.Add("3", Fc1);
            block.Add("5", Fc2);
        }

        public Tensor LayerScale { get; }
        public Conv2d Dw { get; }
        public LayerNorm Norm { get; }
        public Linear Fc1 { get; }
        public Linear Fc2 { get; }

        public Tensor Forward(Tensor x)
        {
            var h = Dw.Forward(x).Permute(0, 2, 3, 1);                 // [N,H,W,C]
            h = Fc2.Forward(Fc1.Forward(Norm.Forward(h)).Gelu());       // [N,H,W,C]
            h = h.Permute(0, 3, 1, 2).Mul(LayerScale);                  // [N,C,H,W]
            return h.StochasticDepth(_p, rowMode: true, Training, _rng.Random).Add(x);
        }
    }
}
