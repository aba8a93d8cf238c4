using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TorchReference;

// torchvision.models.mobilenet_v3_large (torchvision/models/mobilenetv3.py), transcribed with torchvision's names:
// features.0 stem, features.1..15 InvertedResidual(block), features.16 last conv; avgpool; classifier.0/.3 Linear.
// BatchNorm eps 0.001; SE = SqueezeExcitation(activation ReLU, scale_activation Hardsigmoid), squeeze = make_divisible(exp/4).
// x[N,3,H,W] -> logits[N,1000]; taps after features 3, 6, 12, 16.
internal sealed class MobileNetV3Large : nn.Module<Tensor, Tensor>, ITapped
{
    private sealed class InvertedResidual : nn.Module<Tensor, Tensor>
    {
        private readonly Sequential block;
        private readonly bool useRes;

        public InvertedResidual(long cin, long kernel, long exp, long cout, bool se, bool hs, long stride) : base(nameof(InvertedResidual))
        {
            useRes = stride == 1 && cin == cout;
            Func<nn.Module<Tensor, Tensor>> act = hs ? () => nn.Hardswish() : () => nn.ReLU();
            var layers = new List<nn.Module<Tensor, Tensor>>();
            if (exp != cin) layers.Add(Blocks.ConvNormAct(cin, exp, 1, eps: 0.001, act: act));
            layers.Add(Blocks.ConvNormAct(exp, exp, kernel, stride: stride, groups: exp, eps: 0.001, act: act));
            if (se) layers.Add(new SqueezeExcitation(exp, Blocks.MakeDivisible(exp / 4), () => nn.ReLU(), () => nn.Hardsigmoid()));
            layers.Add(Blocks.ConvNormAct(exp, cout, 1, eps: 0.001, act: null));
            block = nn.Sequential(layers);
            register_module(nameof(block), block);
        }

        public override Tensor forward(Tensor x)
        {
            var r = block.call(x);
            return useRes ? r + x : r;
        }
    }

    public static readonly int[] TapIndices = { 3, 6, 12, 16 };
    public readonly Sequential features;
    private readonly nn.Module<Tensor, Tensor> avgpool;
    private readonly Sequential classifier;

    public MobileNetV3Large() : base("MobileNetV3")
    {
        // (in, kernel, expanded, out, SE, hardswish, stride) -- torchvision's bneck_conf table for mobilenet_v3_large
        var table = new (long, long, long, long, bool, bool, long)[]
        {
            (16, 3, 16, 16, false, false, 1), (16, 3, 64, 24, false, false, 2), (24, 3, 72, 24, false, false, 1),
            (24, 5, 72, 40, true, false, 2), (40, 5, 120, 40, true, false, 1), (40, 5, 120, 40, true, false, 1),
            (40, 3, 240, 80, false, true, 2), (80, 3, 200, 80, false, true, 1), (80, 3, 184, 80, false, true, 1),
            (80, 3, 184, 80, false, true, 1), (80, 3, 480, 112, true, true, 1), (112, 3, 672, 112, true, true, 1),
            (112, 5, 672, 160, true, true, 2), (160, 5, 960, 160, true, true, 1), (160, 5, 960, 160, true, true, 1),
        };
        var layers = new List<nn.Module<Tensor, Tensor>> { Blocks.ConvNormAct(3, 16, 3, stride: 2, eps: 0.001, act: () => nn.Hardswish()) };
        foreach (var (cin, k, exp, cout, se, hs, s) in table) layers.Add(new InvertedResidual(cin, k, exp, cout, se, hs, s));
        layers.Add(Blocks.ConvNormAct(160, 960, 1, eps: 0.001, act: () => nn.Hardswish()));
        features = nn.Sequential(layers);
        avgpool = nn.AdaptiveAvgPool2d(1);
        classifier = nn.Sequential(nn.Linear(960, 1280), nn.Hardswish(), nn.Dropout(0.2), nn.Linear(1280, 1000));
        register_module(nameof(features), features);
        register_module(nameof(avgpool), avgpool);
        register_module(nameof(classifier), classifier);
    }

    public override Tensor forward(Tensor x) => classifier.call(avgpool.call(features.call(x)).flatten(1));

    public Tensor[] Taps(Tensor x) => SequentialTaps.Run(features, TapIndices, x);
}
