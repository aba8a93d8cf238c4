using FaceParse.Tensors;

namespace FaceParse.Nn;

/// <summary>torch.nn.PReLU(num_parameters): y = max(x, 0) + a_c·min(x, 0) with one learnt slope a_c per channel
/// (dim 1 of the input); <c>weight [C]</c>, initialised to 0.25 as torch does.</summary>
/// <remarks>Runs <see cref="Tensor.PRelu"/> (torch.nn.functional.prelu), one pass into one buffer.</remarks>
// x [N, C, *] → [N, C, *]
public sealed class PRelu : Module, IModule
{
    public PRelu(VarBuilder vb, int channels)
    {
        ArgumentNullException.ThrowIfNull(vb);
        LayerChecks.RequirePositive("PReLU", (nameof(channels), channels));
        Channels = channels;
        Weight = Param(vb, "weight", [channels], Init.Constant(0.25));
    }

    public int Channels { get; }
    public Tensor Weight { get; }

    public Tensor Forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank < 2 || x.Dim(1) != Channels)
            throw new ArgumentException($"PReLU({Channels}): input must be [N, {Channels}, ...], got [{string.Join(", ", x.Shape)}].", nameof(x));
        return x.PRelu(Weight);
    }
}
