using FaceParse.Nn;
using FaceParse.Tensors;
using Epilogue = FaceParse.Tensors.Kernels.Epilogue;

namespace FaceParse.Models.Backbones;

/// <summary>torchvision mobilenet_v3_large <c>.features</c> (children 0–16): stem, 15 inverted residuals, 1×1 conv to 960.
/// BatchNorm eps 0.001, momentum 0.01 as torchvision. Taps after features 3, 6, 12, 16 (24, 40, 112, 960 channels).</summary>
// x[N,3,H,W] -> taps [N,24,H/4,W/4], [N,40,H/8,W/8], [N,112,H/16,W/16], [N,960,H/32,W/32] (ceil for odd sizes)
public sealed class MobileNetV3Large : Module, IBackbone
{
    /// <summary>No stochastic depth in this backbone.</summary>
    public void ReseedStochasticDepth(int seed) { }

    // torchvision's large config: (in, kernel, expanded, out, SE, hardswish, stride)
    private static readonly (int In, int K, int Exp, int Out, bool Se, bool Hs, int S)[] Config =
    [
        (16, 3, 16, 16, false, false, 1), (16, 3, 64, 24, false, false, 2), (24, 3, 72, 24, false, false, 1),
        (24, 5, 72, 40, true, false, 2), (40, 5, 120, 40, true, false, 1), (40, 5, 120, 40, true, false, 1),
        (40, 3, 240, 80, false, true, 2), (80, 3, 200, 80, false, true, 1), (80, 3, 184, 80, false, true, 1),
        (80, 3, 184, 80, false, true, 1), (80, 3, 480, 112, true, true, 1), (112, 3, 672, 112, true, true, 1),
        (112, 5, 672, 160, true, true, 2), (160, 5, 960, 160, true, true, 1), (160, 5, 960, 160, true, true, 1),
    ];

    internal static readonly int[] TapIndices = [3, 6, 12, 16];
    private readonly List<IModule> _features = [];

    /// <summary>features 0–16 (for the ONNX exporter).</summary>
    internal IReadOnlyList<IModule> Features => _features;

    public MobileNetV3Large(VarBuilder vb)
    {
        const float eps = 1e-3f, momentum = 0.01f;
        _features.Add(Child(vb, "0", v => new ConvBnAct(v, 3, 16, 3, 2, 1, Epilogue.HardSwish, eps, momentum)));
        for (int i = 0; i < Config.Length; i++)
        {
            var c = Config[i];
            _features.Add(Child(vb, (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
                v => new InvertedResidual(v, c.In, c.K, c.Exp, c.Out, c.Se, c.Hs ? Epilogue.HardSwish : Epilogue.Relu, c.S, eps, momentum)));
        }
        _features.Add(Child(vb, "16", v => new ConvBnAct(v, 160, 960, 1, 1, 1, Epilogue.HardSwish, eps, momentum)));
    }

    public IReadOnlyList<int> TapChannels { get; } = [24, 40, 112, 960];

    public Tensor[] Taps(Tensor x) => FeatureTaps.Collect(_features, TapIndices, x);

    public string? FromTorchvisionKey(string torchvisionKey) => BackboneKeys.StripPrefix(torchvisionKey, "features");

    /// <summary>MobileNetV3's InvertedResidual: <c>block</c> = [1×1 expand (if expanded ≠ in)], k×k depthwise, [SE],
    /// 1×1 project (no activation); identity shortcut when stride 1 and in = out.</summary>
    // x[N,in,H,W] -> [N,out,H/s,W/s]
    public sealed class InvertedResidual : Module, IModule
    {
        private readonly List<Module> _block = [];
        private readonly bool _residual;

        public InvertedResidual(VarBuilder vb, int inChannels, int kernel, int expanded, int outChannels, bool se, Epilogue act, int stride, float eps, float momentum)
        {
            _residual = stride == 1 && inChannels == outChannels;
            var b = vb.Sub("block");
            var block = new Sequential();
            int i = 0;
            if (expanded != inChannels)
                _block.Add(new ConvBnAct(b.Sub(i++), inChannels, expanded, 1, 1, 1, act, eps, momentum));
            _block.Add(new ConvBnAct(b.Sub(i++), expanded, expanded, kernel, stride, expanded, act, eps, momentum));
            if (se) _block.Add(new SqueezeExcitation(b.Sub(i++), expanded, MakeDivisible(expanded / 4, 8), mobileNet: true));
            _block.Add(new ConvBnAct(b.Sub(i), expanded, outChannels, 1, 1, 1, Epilogue.None, eps, momentum));
            foreach (var m in _block) block.Add(m);
            RegisterModule("block", block);
        }

        /// <summary>The block's layers and whether the input is added back (for the ONNX exporter).</summary>
        internal IReadOnlyList<Module> Block => _block;
        internal bool Residual => _residual;

        public Tensor Forward(Tensor x)
        {
            var h = x;
            for (int i = 0; i < _block.Count - 1; i++) h = ((IModule)_block[i]).Forward(h);
            return ((ConvBnAct)_block[^1]).Forward(h, _residual ? x : null);
        }
    }

    /// <summary>torchvision's _make_divisible: the nearest multiple of <paramref name="divisor"/> ≥ 90 % of v.</summary>
    public static int MakeDivisible(double v, int divisor)
    {
        int n = Math.Max(divisor, (int)(v + divisor / 2.0) / divisor * divisor);
        if (n < 0.9 * v) n += divisor;
        return n;
    }
}
