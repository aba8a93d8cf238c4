using FaceParse.Nn;
using FaceParse.Tensors;

namespace FaceParse.Models.Mtcnn;

/// <summary>MTCNN output network, facenet-pytorch's <c>ONet</c> with its state-dict keys: final score, box refinement and five
/// landmarks of 48×48 crops.</summary>
/// <remarks>conv1 3→32 (3×3) → PReLU → max-pool 3/2 (ceil) → conv2 32→64 (3×3) → PReLU → max-pool 3/2 (ceil) → conv3 64→64
/// (3×3) → PReLU → max-pool 2/2 (ceil) → conv4 64→128 (2×2) → PReLU → flatten in (W, H, C) order → dense5 1152→256 → PReLU →
/// dense6_1 (2-way score, softmax), dense6_2 (4 box offsets), dense6_3 (10 landmark values: x of left eye, right eye, nose,
/// left and right mouth corner as seen in the image, then the 5 y values, as fractions of the input box). 389,040 parameters.</remarks>
public sealed class ONet : Module
{
    public const long ParameterTotal = 389_040;
    public const int InputSize = 48;

    public ONet(VarBuilder vb)
    {
        ArgumentNullException.ThrowIfNull(vb);
        Conv1 = Child(vb, "conv1", v => new Conv2d(v, 3, 32, 3));
        Prelu1 = Child(vb, "prelu1", v => new PRelu(v, 32));
        Conv2 = Child(vb, "conv2", v => new Conv2d(v, 32, 64, 3));
        Prelu2 = Child(vb, "prelu2", v => new PRelu(v, 64));
        Conv3 = Child(vb, "conv3", v => new Conv2d(v, 64, 64, 3));
        Prelu3 = Child(vb, "prelu3", v => new PRelu(v, 64));
        Conv4 = Child(vb, "conv4", v => new Conv2d(v, 64, 128, 2));
        Prelu4 = Child(vb, "prelu4", v => new PRelu(v, 128));
        Dense5 = Child(vb, "dense5", v => new Linear(v, 1152, 256));
        Prelu5 = Child(vb, "prelu5", v => new PRelu(v, 256));
        Dense6_1 = Child(vb, "dense6_1", v => new Linear(v, 256, 2));
        Dense6_2 = Child(vb, "dense6_2", v => new Linear(v, 256, 4));
        Dense6_3 = Child(vb, "dense6_3", v => new Linear(v, 256, 10));
    }

    public Conv2d Conv1 { get; }
    public PRelu Prelu1 { get; }
    public Conv2d Conv2 { get; }
    public PRelu Prelu2 { get; }
    public Conv2d Conv3 { get; }
    public PRelu Prelu3 { get; }
    public Conv2d Conv4 { get; }
    public PRelu Prelu4 { get; }
    public Linear Dense5 { get; }
    public PRelu Prelu5 { get; }
    public Linear Dense6_1 { get; }
    public Linear Dense6_2 { get; }
    public Linear Dense6_3 { get; }

    /// <summary>Box offsets, landmarks and face probabilities of a batch of normalised 48×48 crops.</summary>
    // x [N, 3, 48, 48] → Offsets [N, 4], Landmarks [N, 10] (5 x then 5 y, fractions of the crop), Probabilities [N, 2]
    public (Tensor Offsets, Tensor Landmarks, Tensor Probabilities) Forward(Tensor x)
    {
        x = Prelu1.Forward(Conv1.Forward(x)).MaxPool2d(3, 2, ceilMode: true);
        x = Prelu2.Forward(Conv2.Forward(x)).MaxPool2d(3, 2, ceilMode: true);
        x = Prelu3.Forward(Conv3.Forward(x)).MaxPool2d(2, 2, ceilMode: true);
        x = Prelu4.Forward(Conv4.Forward(x));                                    // [N, 128, 3, 3]
        x = x.Permute(0, 3, 2, 1).Contiguous().Reshape(x.Dim(0), -1);           // [N, 1152] in (W, H, C) order
        x = Prelu5.Forward(Dense5.Forward(x));
        return (Dense6_2.Forward(x), Dense6_3.Forward(x), Dense6_1.Forward(x).Softmax(1));
    }
}
