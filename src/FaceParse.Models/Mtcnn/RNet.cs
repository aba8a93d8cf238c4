using FaceParse.Nn;
using FaceParse.Tensors;

namespace FaceParse.Models.Mtcnn;

/// <summary>MTCNN refinement network, facenet-pytorch's <c>RNet</c> with its state-dict keys: rescores 24×24 candidate crops
/// and refines their boxes.</summary>
/// <remarks>conv1 3→28 (3×3) → PReLU → max-pool 3/2 (ceil) → conv2 28→48 (3×3) → PReLU → max-pool 3/2 (ceil) → conv3 48→64
/// (2×2) → PReLU → flatten in (W, H, C) order (the weights came from TensorFlow) → dense4 576→128 → PReLU → dense5_1 (2-way
/// score, softmax) and dense5_2 (4 box offsets). 100,178 parameters.</remarks>
public sealed class RNet : Module
{
    public const long ParameterTotal = 100_178;
    public const int InputSize = 24;

    public RNet(VarBuilder vb)
    {
        ArgumentNullException.ThrowIfNull(vb);
        Conv1 = Child(vb, "conv1", v => new Conv2d(v, 3, 28, 3));
        Prelu1 = Child(vb, "prelu1", v => new PRelu(v, 28));
        Conv2 = Child(vb, "conv2", v => new Conv2d(v, 28, 48, 3));
        Prelu2 = Child(vb, "prelu2", v => new PRelu(v, 48));
        Conv3 = Child(vb, "conv3", v => new Conv2d(v, 48, 64, 2));
        Prelu3 = Child(vb, "prelu3", v => new PRelu(v, 64));
        Dense4 = Child(vb, "dense4", v => new Linear(v, 576, 128));
        Prelu4 = Child(vb, "prelu4", v => new PRelu(v, 128));
        Dense5_1 = Child(vb, "dense5_1", v => new Linear(v, 128, 2));
        Dense5_2 = Child(vb, "dense5_2", v => new Linear(v, 128, 4));
    }

    public Conv2d Conv1 { get; }
    public PRelu Prelu1 { get; }
    public Conv2d Conv2 { get; }
    public PRelu Prelu2 { get; }
    public Conv2d Conv3 { get; }
    public PRelu Prelu3 { get; }
    public Linear Dense4 { get; }
    public PRelu Prelu4 { get; }
    public Linear Dense5_1 { get; }
    public Linear Dense5_2 { get; }

    /// <summary>Face probabilities and box offsets of a batch of normalised 24×24 crops.</summary>
    // x [N, 3, 24, 24] → Offsets [N, 4], Probabilities [N, 2] (column 1 = face)
    public (Tensor Offsets, Tensor Probabilities) Forward(Tensor x)
    {
        x = Prelu1.Forward(Conv1.Forward(x)).MaxPool2d(3, 2, ceilMode: true);
        x = Prelu2.Forward(Conv2.Forward(x)).MaxPool2d(3, 2, ceilMode: true);
        x = Prelu3.Forward(Conv3.Forward(x));                                    // [N, 64, 3, 3]
        x = x.Permute(0, 3, 2, 1).Contiguous().Reshape(x.Dim(0), -1);           // [N, 576] in (W, H, C) order
        x = Prelu4.Forward(Dense4.Forward(x));
        return (Dense5_2.Forward(x), Dense5_1.Forward(x).Softmax(1));
    }
}
