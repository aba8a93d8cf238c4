using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TorchReference;

// torchvision.models.efficientnet_v2_m (torchvision/models/efficientnet.py): features.0 stem (3->24, 3x3/2, SiLU),
// features.1..7 stages of FusedMBConv/MBConv (each a `block` Sequential; stochastic depth is the identity in eval),
// features.8 1x1 conv 512->1280 SiLU; avgpool; classifier.1 Linear. BatchNorm eps 1e-3.
// MBConv SE: SqueezeExcitation(expanded, max(1, in/4), activation SiLU, scale Sigmoid).
// x[N,3,H,W] -> logits[N,1000]; taps after features 2, 3, 5, 8.
internal sealed class EfficientNetV2M : nn.Module<Tensor, Tensor>, ITapped
{
    private const double Eps = 1e-3;

    private sealed class Block : nn.Module<Tensor, Tensor>
    {
        private readonly Sequential block;
        private readonly bool useRes;

        public Block(bool fused, double expandRatio, long kernel, long stride, long cin, long cout) : base(fused ? "FusedMBConv" : "MBConv")
        {
            useRes = stride == 1 && cin == cout;
            long exp = Blocks.MakeDivisible(cin * expandRatio);
            var layers = new List<nn.Module<Tensor, Tensor>>();
            Func<nn.Module<Tensor, Tensor>> silu = () => nn.SiLU();
            if (fused)
            {
                if (exp != cin)
                {
                    layers.Add(Blocks.ConvNormAct(cin, exp, kernel, stride: stride, eps: Eps, act: silu));
                    layers.Add(Blocks.ConvNormAct(exp, cout, 1, eps: Eps, act: null));
                }
                else layers.Add(Blocks.ConvNormAct(cin, cout, kernel, stride: stride, eps: Eps, act: silu));
            }
            else
            {
                if (exp != cin) layers.Add(Blocks.ConvNormAct(cin, exp, 1, eps: Eps, act: silu));
                layers.Add(Blocks.ConvNormAct(exp, exp, kernel, stride: stride, groups: exp, eps: Eps, act: silu));
                layers.Add(new SqueezeExcitation(exp, Math.Max(1, cin / 4), silu, () => nn.Sigmoid()));
                layers.Add(Blocks.ConvNormAct(exp, cout, 1, eps: Eps, act: null));
            }
            block = nn.Sequential(layers);
            register_module(nameof(block), block);
        }

        public override Tensor forward(Tensor x)
        {
            var r = block.call(x);
            return useRes ? r + x : r;
        }
    }

    public static readonly int[] TapIndices = { 2, 3, 5, 8 };
    public readonly Sequential features;
    private readonly nn.Module<Tensor, Tensor> avgpool;
    private readonly Sequential classifier;

    public EfficientNetV2M() : base("EfficientNet")
    {
        // (fused, expand ratio, kernel, stride, in, out, layers) -- torchvision's efficientnet_v2_m table
        var table = new (bool, double, long, long, long, long, int)[]
        {
            (true, 1, 3, 1, 24, 24, 3), (true, 4, 3, 2, 24, 48, 5), (true, 4, 3, 2, 48, 80, 5),
            (false, 4, 3, 2, 80, 160, 7), (false, 6, 3, 1, 160, 176, 14), (false, 6, 3, 2, 176, 304, 18),
            (false, 6, 3, 1, 304, 512, 5),
        };
        var layers = new List<nn.Module<Tensor, Tensor>> { Blocks.ConvNormAct(3, 24, 3, stride: 2, eps: Eps, act: () => nn.SiLU()) };
        foreach (var (fused, e, k, s, cin, cout, n) in table)
        {
            var stage = new List<nn.Module<Tensor, Tensor>>();
            for (int b = 0; b < n; b++) stage.Add(new Block(fused, e, k, b == 0 ? s : 1, b == 0 ? cin : cout, cout));
            layers.Add(nn.Sequential(stage));
        }
        layers.Add(Blocks.ConvNormAct(512, 1280, 1, eps: Eps, act: () => nn.SiLU()));
        features = nn.Sequential(layers);
        avgpool = nn.AdaptiveAvgPool2d(1);
        classifier = nn.Sequential(nn.Dropout(0.3), nn.Linear(1280, 1000));
        register_module(nameof(features), features);
        register_module(nameof(avgpool), avgpool);
        register_module(nameof(classifier), classifier);
    }

    public override Tensor forward(Tensor x) => classifier.call(avgpool.call(features.call(x)).flatten(1));

    public Tensor[] Taps(Tensor x) => SequentialTaps.Run(features, TapIndices, x);
}
