using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TorchReference;

// torchvision.ops.misc.Permute: x.permute(dims)
internal sealed class Permute : nn.Module<Tensor, Tensor>
{
    private readonly long[] dims;

    public Permute(params long[] dims) : base(nameof(Permute)) => this.dims = dims;

    public override Tensor forward(Tensor x) => x.permute(dims);
}

// torchvision.models.convnext.LayerNorm2d (an nn.LayerNorm over C applied channel-last): weight, bias. x[N,C,H,W] -> same
internal sealed class ChannelLayerNorm2d : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight, bias;
    private readonly long channels;
    private readonly double eps;

    public ChannelLayerNorm2d(long channels, double eps = 1e-6) : base("LayerNorm2d")
    {
        this.channels = channels;
        this.eps = eps;
        weight = new Parameter(ones(channels));
        bias = new Parameter(zeros(channels));
        register_parameter(nameof(weight), weight);
        register_parameter(nameof(bias), bias);
    }

    public override Tensor forward(Tensor x) =>
        nn.functional.layer_norm(x.permute(0, 2, 3, 1), new[] { channels }, weight, bias, eps).permute(0, 3, 1, 2);
}

// torchvision.models.convnext_base (torchvision/models/convnext.py): features.0 stem (conv 4x4/4 with bias + LayerNorm2d),
// stages 1, 3, 5, 7 of CNBlock [3, 3, 27, 3] at 128/256/512/1024 channels, downsampling 2, 4, 6 (LayerNorm2d + conv 2x2/2);
// avgpool; classifier (LayerNorm2d, Flatten, Linear). CNBlock: layer_scale [C,1,1] (own parameter, so it precedes block.*
// in state_dict), block = dwconv 7x7, Permute, LayerNorm(eps 1e-6), Linear C->4C, GELU, Linear 4C->C, Permute.
// x[N,3,H,W] -> logits[N,1000]; taps after features 1, 3, 5, 7.
internal sealed class ConvNeXtBase : nn.Module<Tensor, Tensor>, ITapped
{
    private sealed class CNBlock : nn.Module<Tensor, Tensor>
    {
        private readonly Parameter layer_scale;
        private readonly Sequential block;

        public CNBlock(long dim) : base(nameof(CNBlock))
        {
            layer_scale = new Parameter(ones(dim, 1, 1) * 1e-6);
            block = nn.Sequential(
                nn.Conv2d(dim, dim, 7, padding: 3, groups: dim, bias: true), new Permute(0, 2, 3, 1), nn.LayerNorm(dim, eps: 1e-6),
                nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim), new Permute(0, 3, 1, 2));
            register_parameter(nameof(layer_scale), layer_scale);
            register_module(nameof(block), block);
        }

        public override Tensor forward(Tensor x) => layer_scale * block.call(x) + x; // stochastic depth = identity in eval
    }

    public static readonly int[] TapIndices = { 1, 3, 5, 7 };
    public readonly Sequential features;
    private readonly nn.Module<Tensor, Tensor> avgpool;
    private readonly Sequential classifier;

    public ConvNeXtBase() : base("ConvNeXt")
    {
        var layers = new List<nn.Module<Tensor, Tensor>>
        {
            nn.Sequential(nn.Conv2d(3, 128, 4, stride: 4L, padding: 0L, bias: true), new ChannelLayerNorm2d(128)),
        };
        var setting = new (long In, long? Out, int Layers)[] { (128, 256, 3), (256, 512, 3), (512, 1024, 27), (1024, null, 3) };
        foreach (var (cin, cout, n) in setting)
        {
            layers.Add(nn.Sequential(Enumerable.Range(0, n).Select(_ => (nn.Module<Tensor, Tensor>)new CNBlock(cin)).ToArray()));
            if (cout is long c) layers.Add(nn.Sequential(new ChannelLayerNorm2d(cin), nn.Conv2d(cin, c, 2, stride: 2L, padding: 0L)));
        }
        features = nn.Sequential(layers);
        avgpool = nn.AdaptiveAvgPool2d(1);
        classifier = nn.Sequential(new ChannelLayerNorm2d(1024), nn.Flatten(1), nn.Linear(1024, 1000));
        register_module(nameof(features), features);
        register_module(nameof(avgpool), avgpool);
        register_module(nameof(classifier), classifier);
    }

    public override Tensor forward(Tensor x) => classifier.call(avgpool.call(features.call(x)));

    public Tensor[] Taps(Tensor x) => SequentialTaps.Run(features, TapIndices, x);
}
