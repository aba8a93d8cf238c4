using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace TorchReference;

// torchvision.models.resnet101 (torchvision/models/resnet.py): conv1 7x7/2, bn1, relu, maxpool 3/2, layer1..4 of
// Bottleneck [3, 4, 23, 3] (stride on the 3x3 conv2, "v1.5"), avgpool, fc. BatchNorm eps 1e-5.
// x[N,3,H,W] -> logits[N,1000]; taps after layer1..layer4.
internal sealed class ResNet101 : nn.Module<Tensor, Tensor>, ITapped
{
    private sealed class Bottleneck : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor> conv1, bn1, conv2, bn2, conv3, bn3, relu;
        private readonly Sequential? downsample;

        public Bottleneck(long inplanes, long planes, long stride) : base(nameof(Bottleneck))
        {
            conv1 = nn.Conv2d(inplanes, planes, 1, bias: false);
            bn1 = nn.BatchNorm2d(planes);
            conv2 = nn.Conv2d(planes, planes, 3, stride: stride, padding: 1, bias: false);
            bn2 = nn.BatchNorm2d(planes);
            conv3 = nn.Conv2d(planes, planes * 4, 1, bias: false);
            bn3 = nn.BatchNorm2d(planes * 4);
            relu = nn.ReLU();
            register_module(nameof(conv1), conv1);
            register_module(nameof(bn1), bn1);
            register_module(nameof(conv2), conv2);
            register_module(nameof(bn2), bn2);
            register_module(nameof(conv3), conv3);
            register_module(nameof(bn3), bn3);
            register_module(nameof(relu), relu);
            if (stride != 1 || inplanes != planes * 4)
            {
                downsample = nn.Sequential(nn.Conv2d(inplanes, planes * 4, 1, stride: stride, bias: false), nn.BatchNorm2d(planes * 4));
                register_module(nameof(downsample), downsample);
            }
        }

        public override Tensor forward(Tensor x)
        {
            var o = relu.call(bn1.call(conv1.call(x)));
            o = relu.call(bn2.call(conv2.call(o)));
            o = bn3.call(conv3.call(o));
            return relu.call(o + (downsample is null ? x : downsample.call(x)));
        }
    }

    private readonly nn.Module<Tensor, Tensor> conv1, bn1, relu, maxpool, avgpool, fc;
    private readonly Sequential layer1, layer2, layer3, layer4;

    public ResNet101() : base("ResNet")
    {
        conv1 = nn.Conv2d(3, 64, 7, stride: 2, padding: 3, bias: false);
        bn1 = nn.BatchNorm2d(64);
        relu = nn.ReLU();
        maxpool = nn.MaxPool2d(3, stride: 2, padding: 1);
        long inplanes = 64;
        Sequential Layer(long planes, int blocks, long stride)
        {
            var list = new List<nn.Module<Tensor, Tensor>> { new Bottleneck(inplanes, planes, stride) };
            inplanes = planes * 4;
            for (int b = 1; b < blocks; b++) list.Add(new Bottleneck(inplanes, planes, 1));
            return nn.Sequential(list);
        }
        layer1 = Layer(64, 3, 1);
        layer2 = Layer(128, 4, 2);
        layer3 = Layer(256, 23, 2);
        layer4 = Layer(512, 3, 2);
        avgpool = nn.AdaptiveAvgPool2d(1);
        fc = nn.Linear(2048, 1000);
        register_module(nameof(conv1), conv1);
        register_module(nameof(bn1), bn1);
        register_module(nameof(relu), relu);
        register_module(nameof(maxpool), maxpool);
        register_module(nameof(layer1), layer1);
        register_module(nameof(layer2), layer2);
        register_module(nameof(layer3), layer3);
        register_module(nameof(layer4), layer4);
        register_module(nameof(avgpool), avgpool);
        register_module(nameof(fc), fc);
    }

    public Tensor[] Taps(Tensor x)
    {
        x = maxpool.call(relu.call(bn1.call(conv1.call(x))));
        var t1 = layer1.call(x);
        var t2 = layer2.call(t1);
        var t3 = layer3.call(t2);
        var t4 = layer4.call(t3);
        return new[] { t1, t2, t3, t4 };
    }

    public override Tensor forward(Tensor x) => fc.call(avgpool.call(Taps(x)[3]).flatten(1));
}
