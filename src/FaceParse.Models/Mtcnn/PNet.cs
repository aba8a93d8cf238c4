using FaceParse.Nn;
using FaceParse.Tensors;

namespace FaceParse.Models.Mtcnn;

/// <summary>MTCNN proposal network (Zhang et al. 2016), facenet-pytorch's <c>PNet</c> with its state-dict keys: fully
/// convolutional, one 12×12 window per output cell at stride 2.</summary>
/// <remarks>conv1 3→10 (3×3) → PReLU → max-pool 2/2 (ceil) → conv2 10→16 (3×3) → PReLU → conv3 16→32 (3×3) → PReLU →
/// 1×1 heads conv4_1 (2-way face score, softmax over channels) and conv4_2 (4 box offsets). 6,632 parameters.</remarks>
public sealed class PNet : Module
{
    public const long ParameterTotal = 6_632;

    public PNet(VarBuilder vb)
    {
        ArgumentNullException.ThrowIfNull(vb);
        Conv1 = Child(vb, "conv1", v => new Conv2d(v, 3, 10, 3));
        Prelu1 = Child(vb, "prelu1", v => new PRelu(v, 10));
        Conv2 = Child(vb, "conv2", v => new Conv2d(v, 10, 16, 3));
        Prelu2 = Child(vb, "prelu2", v => new PRelu(v, 16));
        Conv3 = Child(vb, "conv3", v => new Conv2d(v, 16, 32, 3));
        Prelu3 = Child(vb, "prelu3", v => new PRelu(v, 32));
        Conv4_1 = Child(vb, "conv4_1", v => new Conv2d(v, 32, 2, 1));
        Conv4_2 = Child(vb, "conv4_2", v => new Conv2d(v, 32, 4, 1));
    }

    public Conv2d Conv1 { get; }
    public PRelu Prelu1 { get; }
    public Conv2d Conv2 { get; }
    public PRelu Prelu2 { get; }
    public Conv2d Conv3 { get; }
    public PRelu Prelu3 { get; }
    public Conv2d Conv4_1 { get; }
    public Conv2d Conv4_2 { get; }

    /// <summary>Face probabilities and box offsets of every 12×12 window (stride 2) of a normalised image.</summary>
    // x [N, 3, H, W] ((pixel − 127.5)/128) → Offsets [N, 4, H', W'], Probabilities [N, 2, H', W'] (channel 1 = face),
    // H' = ⌈(H − 2)/2⌉ − 4
    public (Tensor Offsets, Tensor Probabilities) Forward(Tensor x)
    {
        x = Prelu1.Forward(Conv1.Forward(x)).MaxPool2d(2, 2, ceilMode: true);
        x = Prelu2.Forward(Conv2.Forward(x));
        x = Prelu3.Forward(Conv3.Forward(x));
        return (Conv4_2.Forward(x), Conv4_1.Forward(x).Softmax(1));
    }
}
