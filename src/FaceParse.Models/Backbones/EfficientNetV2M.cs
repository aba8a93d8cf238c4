using System.Globalization;
using FaceParse.Nn;
using FaceParse.Tensors;
using Epilogue = FaceParse.Tensors.Kernels.Epilogue;

namespace FaceParse.Models.Backbones;

/// <summary>torchvision efficientnet_v2_m <c>.features</c> (children 0–8): 3×3/2 stem to 24, three FusedMBConv stages,
/// four MBConv stages (SE with SiLU/sigmoid), 1×1 conv 512 → 1280; SiLU everywhere, BatchNorm eps 1e-3; stochastic
/// depth 0.2·block/total on residual blocks (identity in eval). Taps after features 2, 3, 5, 8 (48, 80, 176, 1280).</summary>
// x[N,3,H,W] -> taps [N,48,H/4,W/4], [N,80,H/8,W/8], [N,176,H/16,W/16], [N,1280,H/32,W/32]
public sealed class EfficientNetV2M : Module, IBackbone
{
    private readonly DropPathRandom _dropPath = new();

    public void ReseedStochasticDepth(int seed) => _dropPath.Reseed(seed);

    // (fused, expand ratio, kernel, stride, in, out, layers) — torchvision's efficientnet_v2_m setting
    private static readonly (bool Fused, int Expand, int K, int S, int In, int Out, int N)[] Setting =
    [
        (true, 1, 3, 1, 24, 24, 3), (true, 4, 3, 2, 24, 48, 5), (true, 4, 3, 2, 48, 80, 5),
        (false, 4, 3, 2, 80, 160, 7), (false, 6, 3, 1, 160, 176, 14), (false, 6, 3, 2, 176, 304, 18),
        (false, 6, 3, 1, 304, 512, 5),
    ];

    internal static readonly int[] TapIndices = [2, 3, 5, 8];
    private const float Eps = 1e-3f, StochasticDepthProb = 0.2f;
    private readonly List<IModule> _features = [];

    public EfficientNetV2M(VarBuilder vb)
    {
        var rng = _dropPath;
        _features.Add(Child(vb, "0", v => new ConvBnAct(v, 3, 24, 3, 2, 1, Epilogue.Silu, Eps)));
        int total = Setting.Sum(s => s.N), blockId = 0;
        for (int st = 0; st < Setting.Length; st++)
        {
            var s = Setting[st];
            var stage = Child(vb, (st + 1).ToString(CultureInfo.InvariantCulture), v => new Sequential(v, s.N, (b, i) =>
            {
                int inC = i == 0 ? s.In : s.Out, stride = i == 0 ? s.S : 1;
                float p = StochasticDepthProb * (blockId++) / total;
                return s.Fused ? new FusedMBConv(b, inC, s.Out, s.Expand, s.K, stride, p, rng) : new MBConv(b, inC, s.Out, s.Expand, s.K, stride, p, rng);
            }));
            _features.Add(stage);
        }
        _features.Add(Child(vb, "8", v => new ConvBnAct(v, 512, 1280, 1, 1, 1, Epilogue.Silu, Eps)));
    }

    public IReadOnlyList<int> TapChannels { get; } = [48, 80, 176, 1280];

    /// <summary>features 0–8 (for the ONNX exporter).</summary>
    internal IReadOnlyList<IModule> Features => _features;

    public Tensor[] Taps(Tensor x) => FeatureTaps.Collect(_features, TapIndices, x);

    public string? FromTorchvisionKey(string torchvisionKey) => BackboneKeys.StripPrefix(torchvisionKey, "features");

    // result = stochastic_depth(block(x)) + x when stride 1 and in = out, else block(x).
    private static Tensor Residual(Module owner, Tensor x, Tensor y, bool residual, float p, DropPathRandom rng) =>
        residual ? y.StochasticDepth(p, rowMode: true, owner.Training, rng.Random).Add(x) : y;

    /// <summary>torchvision FusedMBConv: <c>block</c> = k×k/s expand conv (SiLU) + 1×1 project, or a single k×k/s conv
    /// (SiLU) when the expand ratio is 1.</summary>
    // x[N,in,H,W] -> [N,out,H/s,W/s]
    public sealed class FusedMBConv : Module, IModule
    {
        private readonly ConvBnAct[] _convs;
        private readonly bool _residual;
        private readonly float _p;
        private readonly DropPathRandom _rng;

        public FusedMBConv(VarBuilder vb, int inChannels, int outChannels, int expand, int kernel, int stride, float sdProb, DropPathRandom rng)
        {
            (_residual, _p, _rng) = (stride == 1 && inChannels == outChannels, sdProb, rng);
            int expanded = MobileNetV3Large.MakeDivisible(inChannels * expand, 8);
            _convs = expanded != inChannels
                ?
                [
                    new ConvBnAct(vb.Sub("block").Sub(0), inChannels, expanded, kernel, stride, 1, Epilogue.Silu, Eps),
                    new ConvBnAct(vb.Sub("block").Sub(1), expanded, outChannels, 1, 1, 1, Epilogue.None, Eps),
                ]
                : [new ConvBnAct(vb.Sub("block").Sub(0), inChannels, outChannels, kernel, stride, 1, Epilogue.Silu, Eps)];
            RegisterModule("block", new Sequential(_convs));
        }

        /// <summary>The convolutions and whether the input is added back (for the ONNX exporter; stochastic depth is the identity in eval).</summary>
        internal IReadOnlyList<ConvBnAct> Convs => _convs;
        internal bool Residual => _residual;

        public Tensor Forward(Tensor x)
        {
            var y = x;
            foreach (var c in _convs) y = c.Forward(y);
            return Residual(this, x, y, _residual, _p, _rng);
        }
    }

    /// <summary>torchvision MBConv: <c>block</c> = 1×1 expand (SiLU), k×k/s depthwise (SiLU), SE (squeeze in/4,
    /// SiLU, sigmoid), 1×1 project.</summary>
    // x[N,in,H,W] -> [N,out,H/s,W/s]
    public sealed class MBConv : Module, IModule
    {
        private readonly IModule[] _block;
        private readonly bool _residual;
        private readonly float _p;
        private readonly DropPathRandom _rng;

        public MBConv(VarBuilder vb, int inChannels, int outChannels, int expand, int kernel, int stride, float sdProb, DropPathRandom rng)
        {
            (_residual, _p, _rng) = (stride == 1 && inChannels == outChannels, sdProb, rng);
            int expanded = MobileNetV3Large.MakeDivisible(inChannels * expand, 8);
            var b = vb.Sub("block");
            var modules = new List<Module>();
            int i = 0;
            if (expanded != inChannels) modules.Add(new ConvBnAct(b.Sub(i++), inChannels, expanded, 1, 1, 1, Epilogue.Silu, Eps));
            modules.Add(new ConvBnAct(b.Sub(i++), expanded, expanded, kernel, stride, expanded, Epilogue.Silu, Eps));
            modules.Add(new SqueezeExcitation(b.Sub(i++), expanded, Math.Max(1, inChannels / 4), mobileNet: false));
            modules.Add(new ConvBnAct(b.Sub(i), expanded, outChannels, 1, 1, 1, Epilogue.None, Eps));
            _block = [.. modules.Cast<IModule>()];
            RegisterModule("block", new Sequential([.. modules]));
        }

        /// <summary>The block's layers and whether the input is added back (for the ONNX exporter).</summary>
        internal IReadOnlyList<IModule> Block => _block;
        internal bool Residual => _residual;

        public Tensor Forward(Tensor x)
        {
            var y = x;
            foreach (var m in _block) y = m.Forward(y);
            return Residual(this, x, y, _residual, _p, _rng);
        }
    }
}
