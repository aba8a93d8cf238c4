using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TorchReference;

// Building blocks transcribed from torchvision's Python source (torchvision/ops/misc.py, models/_utils.py), with
// torchvision's module names so state-dict keys match. Children are registered explicitly, in torchvision's order;
// field names equal the registered names so TorchSharp's reflection-based RegisterComponents finds nothing new.
internal static class Blocks
{
    // torchvision.models._utils._make_divisible
    public static long MakeDivisible(double v, long divisor = 8, long? minValue = null)
    {
        long min = minValue ?? divisor;
        long newV = Math.Max(min, (long)(v + divisor / 2.0) / divisor * divisor);
        if (newV < 0.9 * v) newV += divisor;
        return newV;
    }

    // torchvision.ops.misc.Conv2dNormActivation: Sequential(conv[no bias], BatchNorm2d, activation?) -- keys .0.weight, .1.*
    public static Sequential ConvNormAct(long cin, long cout, long kernel, long stride = 1, long groups = 1, long dilation = 1,
        double eps = 1e-5, Func<nn.Module<Tensor, Tensor>>? act = null)
    {
        long padding = (kernel - 1) / 2 * dilation;
        var layers = new List<nn.Module<Tensor, Tensor>>
        {
            nn.Conv2d(cin, cout, kernel, stride: stride, padding: padding, dilation: dilation, groups: groups, bias: false),
            nn.BatchNorm2d(cout, eps: eps),
        };
        if (act is not null) layers.Add(act());
        return nn.Sequential(layers);
    }
}

// torchvision.ops.misc.SqueezeExcitation: avgpool, fc1, fc2, activation, scale_activation. x[N,C,H,W] -> x * s[N,C,1,1]
internal sealed class SqueezeExcitation : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> avgpool, fc1, fc2, activation, scale_activation;

    public SqueezeExcitation(long cin, long squeeze, Func<nn.Module<Tensor, Tensor>> act, Func<nn.Module<Tensor, Tensor>> scaleAct)
        : base(nameof(SqueezeExcitation))
    {
        avgpool = nn.AdaptiveAvgPool2d(1);
        fc1 = nn.Conv2d(cin, squeeze, 1);
        fc2 = nn.Conv2d(squeeze, cin, 1);
        activation = act();
        scale_activation = scaleAct();
        register_module(nameof(avgpool), avgpool);
        register_module(nameof(fc1), fc1);
        register_module(nameof(fc2), fc2);
        register_module(nameof(activation), activation);
        register_module(nameof(scale_activation), scale_activation);
    }

    public override Tensor forward(Tensor x)
    {
        var s = scale_activation.call(fc2.call(activation.call(fc1.call(avgpool.call(x)))));
        return s * x;
    }
}

// A model whose four SegFace taps can be read: Taps(x) -> [tap0..tap3] (strides 4, 8, 16, 32).
internal interface ITapped
{
    Tensor[] Taps(Tensor x);
}

// Taps after the given indices of a Sequential (mobilenet_v3_large / efficientnet_v2_m `.features`).
internal static class SequentialTaps
{
    public static Tensor[] Run(Sequential features, int[] after, Tensor x)
    {
        var taps = new List<Tensor>();
        int k = 0;
        foreach (var (_, m) in features.named_children())
        {
            x = ((nn.Module<Tensor, Tensor>)m).call(x);
            if (after.Contains(k)) taps.Add(x);
            if (k == after[^1]) break;
            k++;
        }
        return taps.ToArray();
    }
}
