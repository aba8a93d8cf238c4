using FaceParse.Nn;
using FaceParse.Tensors;
using Epilogue = FaceParse.Tensors.Kernels.Epilogue;

namespace FaceParse.Models.Backbones;

/// <summary>torchvision resnet101 as SegFace keeps it, <c>nn.Sequential(*children[:-1])</c>: <c>0</c> conv1 7×7/2,
/// <c>1</c> bn1, (2 relu, 3 maxpool 3/2), <c>4</c>–<c>7</c> layer1–layer4 of Bottlenecks [3, 4, 23, 3] (stride on the
/// 3×3 conv, as torchvision v1.5). Taps after layer1–layer4 (256, 512, 1024, 2048 channels).</summary>
// x[N,3,H,W] -> taps [N,256,H/4,W/4], [N,512,H/8,W/8], [N,1024,H/16,W/16], [N,2048,H/32,W/32]
public sealed class ResNet101 : Module, IBackbone
{
    /// <summary>No stochastic depth in this backbone.</summary>
    public void ReseedStochasticDepth(int seed) { }

    private static readonly Dictionary<string, string> Heads = new()
    {
        ["conv1"] = "0", ["bn1"] = "1", ["layer1"] = "4", ["layer2"] = "5", ["layer3"] = "6", ["layer4"] = "7",
    };

    private readonly Conv2d _conv1;
    private readonly BatchNorm2d _bn1;
    private readonly Sequential[] _layers = new Sequential[4];

    public ResNet101(VarBuilder vb)
    {
        _conv1 = Child(vb, "0", v => new Conv2d(v, 3, 64, 7, 2, 3, bias: false));
        _bn1 = Child(vb, "1", v => new BatchNorm2d(v, 64));
        int[] blocks = [3, 4, 23, 3];
        int inplanes = 64;
        for (int l = 0; l < 4; l++)
        {
            int planes = 64 << l, stride = l == 0 ? 1 : 2, first = inplanes, count = blocks[l];
            _layers[l] = Child(vb, (4 + l).ToString(System.Globalization.CultureInfo.InvariantCulture),
                v => new Sequential(v, count, (b, i) => new Bottleneck(b, i == 0 ? first : planes * 4, planes, i == 0 ? stride : 1)));
            inplanes = planes * 4;
        }
    }

    public IReadOnlyList<int> TapChannels { get; } = [256, 512, 1024, 2048];

    /// <summary>Stem and layer1–layer4 (for the ONNX exporter).</summary>
    internal Conv2d Conv1 => _conv1;
    internal BatchNorm2d Bn1 => _bn1;
    internal IReadOnlyList<Sequential> Layers => _layers;

    public Tensor[] Taps(Tensor x)
    {
        x = Bottleneck.ConvBn(_conv1, _bn1, x, Epilogue.Relu, null, Training);
        x = x.MaxPool2d(3, 2, 1);
        var taps = new Tensor[4];
        for (int l = 0; l < 4; l++) taps[l] = x = _layers[l].Forward(x);
        return taps;
    }

    public string? FromTorchvisionKey(string torchvisionKey) => BackboneKeys.RenameHead(torchvisionKey, Heads);

    /// <summary>torchvision Bottleneck: conv1 1×1 → bn1 → relu → conv2 3×3/s → bn2 → relu → conv3 1×1 (×4) → bn3,
    /// plus the shortcut (<c>downsample</c> = 1×1/s conv + BN when the shape changes), then relu.</summary>
    // x[N,in,H,W] -> [N,4·planes,H/s,W/s]
    public sealed class Bottleneck : Module, IModule
    {
        public Bottleneck(VarBuilder vb, int inChannels, int planes, int stride)
        {
            Conv1 = Child(vb, "conv1", v => new Conv2d(v, inChannels, planes, 1, bias: false));
            Bn1 = Child(vb, "bn1", v => new BatchNorm2d(v, planes));
            Conv2 = Child(vb, "conv2", v => new Conv2d(v, planes, planes, 3, stride, 1, bias: false));
            Bn2 = Child(vb, "bn2", v => new BatchNorm2d(v, planes));
            Conv3 = Child(vb, "conv3", v => new Conv2d(v, planes, planes * 4, 1, bias: false));
            Bn3 = Child(vb, "bn3", v => new BatchNorm2d(v, planes * 4));
            if (stride != 1 || inChannels != planes * 4)
                Downsample = Child(vb, "downsample", v => new Sequential(
                    new Conv2d(v.Sub(0), inChannels, planes * 4, 1, stride, bias: false), new BatchNorm2d(v.Sub(1), planes * 4)));
        }

        public Conv2d Conv1 { get; }
        public BatchNorm2d Bn1 { get; }
        public Conv2d Conv2 { get; }
        public BatchNorm2d Bn2 { get; }
        public Conv2d Conv3 { get; }
        public BatchNorm2d Bn3 { get; }
        public Sequential? Downsample { get; }

        public Tensor Forward(Tensor x)
        {
            var identity = Downsample is null ? x : ConvBn((Conv2d)Downsample[0], (BatchNorm2d)Downsample[1], x, Epilogue.None, null, Training);
            var h = ConvBn(Conv1, Bn1, x, Epilogue.Relu, null, Training);
            h = ConvBn(Conv2, Bn2, h, Epilogue.Relu, null, Training);
            return ConvBn(Conv3, Bn3, h, Epilogue.Relu, identity, Training);
        }

        /// <summary>act(bn(conv(x)) + residual); BN folded into the conv in eval mode without autograd.</summary>
        // x[N,in,H,W] -> [N,out,Ho,Wo]
        internal static Tensor ConvBn(Conv2d conv, BatchNorm2d bn, Tensor x, Epilogue act, Tensor? residual, bool training)
        {
            if (!training && !(GradMode.Enabled && (x.RequiresGrad || conv.Weight.RequiresGrad)))
            {
                var (w, b) = BatchNormFolding.Fold(conv, bn);
                return x.Conv2d(w, b, residual, act, conv.Stride, conv.Padding, groups: conv.Groups);
            }
            var y = bn.Forward(conv.Forward(x));
            if (residual is not null) y = y.Add(residual);
            return act == Epilogue.Relu ? y.Relu() : y;
        }
    }
}
