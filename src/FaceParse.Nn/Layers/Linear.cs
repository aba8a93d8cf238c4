using FaceParse.Tensors;

namespace FaceParse.Nn;

/// <summary>torch.nn.Linear: <c>weight [out, in]</c>, optional <c>bias [out]</c>; kaiming_uniform(a=√5) weight and
/// U(±1/√in) bias, as torch initialises them.</summary>
// x [..., in] → [..., out]
public sealed class Linear : Module, IModule
{
    public Linear(VarBuilder vb, int inFeatures, int outFeatures, bool bias = true)
    {
        ArgumentNullException.ThrowIfNull(vb);
        LayerChecks.RequirePositive("Linear", (nameof(inFeatures), inFeatures), (nameof(outFeatures), outFeatures));
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = Param(vb, "weight", [outFeatures, inFeatures], Init.TorchDefault);
        Bias = bias ? Param(vb, "bias", [outFeatures], Init.TorchBias(inFeatures)) : null;
    }

    public int InFeatures { get; }
    public int OutFeatures { get; }
    public Tensor Weight { get; }
    public Tensor? Bias { get; }

    public Tensor Forward(Tensor x) => Tensor.Linear(x, Weight, Bias);
}

/// <summary>SAM's MLP: <paramref name="numLayers"/> Linear layers named <c>layers.0</c> … <c>layers.{n−1}</c>,
/// in → hidden → … → hidden → out, with an activation (ReLU by default) after every layer but the last and an
/// optional sigmoid on the output.</summary>
// x [..., in] → [..., out]
public sealed class Mlp : Module, IModule
{
    private readonly Func<Tensor, Tensor> _activation;

    public Mlp(VarBuilder vb, int inputDim, int hiddenDim, int outputDim, int numLayers, Func<Tensor, Tensor>? activation = null, bool sigmoidOutput = false)
    {
        ArgumentNullException.ThrowIfNull(vb);
        LayerChecks.RequirePositive("Mlp", (nameof(numLayers), numLayers));
        _activation = activation ?? (t => t.Relu());
        SigmoidOutput = sigmoidOutput;
        Layers = Child(vb, "layers", v => new ModuleList<Linear>(v, numLayers, (lv, i) =>
            new Linear(lv, i == 0 ? inputDim : hiddenDim, i == numLayers - 1 ? outputDim : hiddenDim)));
    }

    public ModuleList<Linear> Layers { get; }
    public bool SigmoidOutput { get; }

    public Tensor Forward(Tensor x)
    {
        for (int i = 0; i < Layers.Count; i++)
        {
            x = Layers[i].Forward(x);
            if (i < Layers.Count - 1) x = _activation(x);
        }
        return SigmoidOutput ? x.Sigmoid() : x;
    }
}
