using FaceParse.Tensors;

namespace FaceParse.Nn.Tests;

/// <summary>Test-only dense layer built from broadcasting Mul + Sum (no matmul): x [N, in] → [N, out].</summary>
public sealed class MulSumLinear : Module, IModule
{
    public MulSumLinear(VarBuilder vb, int inFeatures, int outFeatures, bool bias = true)
    {
        Weight = Param(vb, "weight", [outFeatures, inFeatures], Init.TorchDefault);
        Bias = bias ? Param(vb, "bias", [outFeatures], Init.TorchBias(inFeatures)) : null;
    }

    public Tensor Weight { get; }
    public Tensor? Bias { get; }

    public Tensor Forward(Tensor x)
    {
        var y = (x.Unsqueeze(1) * Weight).Sum([2]);
        return Bias is null ? y : y + Bias;
    }
}

/// <summary>Test-only normalisation-like module with torch BatchNorm's buffer names: x [N, C] → [N, C].</summary>
public sealed class FakeNorm : Module, IModule
{
    public FakeNorm(VarBuilder vb, int channels)
    {
        Weight = Param(vb, "weight", [channels], Init.Ones);
        Bias = Param(vb, "bias", [channels], Init.Zeros);
        RunningMean = Buffer(vb, "running_mean", [channels], Init.Zeros);
        RunningVar = Buffer(vb, "running_var", [channels], Init.Ones);
        NumBatchesTracked = Buffer(vb, "num_batches_tracked", [], Init.Zeros);
        Scratch = Buffer(vb, "scratch", [channels], Init.Zeros, persistent: false);
    }

    public Tensor Weight { get; }
    public Tensor Bias { get; }
    public Tensor RunningMean { get; }
    public Tensor RunningVar { get; }
    public Tensor NumBatchesTracked { get; }
    public Tensor Scratch { get; }

    public Tensor Forward(Tensor x) => x * Weight + Bias;
}

/// <summary>A small model shaped like a torch one: <c>encoder</c> (Linear), <c>decoder.layers.{0,1}</c>, <c>decoder.norm</c>.</summary>
public sealed class TinyNet : Module, IModule
{
    public TinyNet(VarBuilder vb, int inF = 3, int hidden = 4, int outF = 2)
    {
        Encoder = Child(vb, "encoder", v => new MulSumLinear(v, inF, hidden));
        Decoder = Child(vb, "decoder", v => new TinyDecoder(v, hidden, outF));
    }

    public MulSumLinear Encoder { get; }
    public TinyDecoder Decoder { get; }

    public Tensor Forward(Tensor x) => Decoder.Forward(Encoder.Forward(x));
}

public sealed class TinyDecoder : Module, IModule
{
    public TinyDecoder(VarBuilder vb, int hidden, int outF)
    {
        Layers = Child(vb, "layers", v => new Sequential(v, 2, (lv, i) => new MulSumLinear(lv, hidden, i == 0 ? hidden : outF)));
        Norm = Child(vb, "norm", v => new FakeNorm(v, outF));
    }

    public Sequential Layers { get; }
    public FakeNorm Norm { get; }

    public Tensor Forward(Tensor x) => Norm.Forward(Layers.Forward(x));
}
