using FaceParse.Tensors;

namespace FaceParse.Nn.Tests;

public sealed class ModuleTests
{
    private static readonly string[] TinyParameterKeys =
    [
        "encoder.weight", "encoder.bias",
        "decoder.layers.0.weight", "decoder.layers.0.bias",
        "decoder.layers.1.weight", "decoder.layers.1.bias",
        "decoder.norm.weight", "decoder.norm.bias",
    ];

    [Fact]
    public void NamedParametersFollowTorchKeyPathsAndNameTheTensors()
    {
        var net = new TinyNet(VarBuilder.Init(1));
        var named = net.NamedParameters().ToList();
        Assert.Equal(TinyParameterKeys, named.Select(kv => kv.Key));
        foreach (var (key, p) in named)
        {
            Assert.Equal(key, p.Name);
            Assert.True(Parameter.IsParameter(p));
        }
        Assert.Equal(4 * 3 + 4 + 4 * 4 + 4 + 2 * 4 + 2 + 2 + 2, net.ParameterCount);
        Assert.Equal([2, 4], net.Decoder.Layers[1].NamedParameters().First().Value.Shape);
    }

    [Fact]
    public void StateDictAddsPersistentBuffersInTorchOrder()
    {
        var net = new TinyNet(VarBuilder.Init(1));
        var keys = net.StateDict().Keys.ToList();
        Assert.Equal(
        [
            .. TinyParameterKeys,
            "decoder.norm.running_mean", "decoder.norm.running_var", "decoder.norm.num_batches_tracked",
        ], keys);
        Assert.DoesNotContain("decoder.norm.scratch", keys);
        Assert.Contains("decoder.norm.scratch", net.NamedBuffers().Select(b => b.Key));
        Assert.Empty(net.StateDict()["decoder.norm.num_batches_tracked"].Shape);
    }

    [Fact]
    public void LoadStateDictRoundTripsAndMatchesForward()
    {
        var a = new TinyNet(VarBuilder.Init(1));
        var b = new TinyNet(VarBuilder.Init(2));
        var x = Tensor.Uniform(new Random(3), -1, 1, 5, 3);
        Assert.NotEqual(a.Forward(x).ToArray(), b.Forward(x).ToArray());
        a.Decoder.Norm.RunningMean.Span.Fill(0.5f);
        var result = b.LoadStateDict(a.StateDict());
        Assert.Empty(result.MissingKeys);
        Assert.Empty(result.UnexpectedKeys);
        Assert.Equal(a.Forward(x).ToArray(), b.Forward(x).ToArray());
        Assert.Equal(a.Decoder.Norm.RunningMean.ToArray(), b.Decoder.Norm.RunningMean.ToArray());
        Assert.False(ReferenceEquals(a.Encoder.Weight, b.Encoder.Weight));
    }

    [Fact]
    public void StrictLoadListsMissingUnexpectedAndMismatchedKeys()
    {
        var net = new TinyNet(VarBuilder.Init(1));
        var before = net.Encoder.Weight.ToArray();
        var state = new Dictionary<string, Tensor>(net.StateDict().Select(kv => new KeyValuePair<string, Tensor>(kv.Key, kv.Value.Clone())));
        state.Remove("decoder.norm.running_var");
        state["head.weight"] = Tensor.Zeros(1);
        state["decoder.layers.1.weight"] = Tensor.Zeros(4, 2);
        state["encoder.weight"] = Tensor.Full(7f, 4, 3);

        var ex = Assert.Throws<InvalidDataException>(() => net.LoadStateDict(state));
        Assert.Contains("missing keys (1): decoder.norm.running_var", ex.Message);
        Assert.Contains("unexpected keys (1): head.weight", ex.Message);
        Assert.Contains("'decoder.layers.1.weight': checkpoint has shape [4, 2], model has [2, 4]", ex.Message);
        Assert.Equal(before, net.Encoder.Weight.ToArray()); // nothing copied

        // Non-strict still rejects shape mismatches, but reports (and tolerates) missing and unexpected keys.
        Assert.Throws<InvalidDataException>(() => net.LoadStateDict(state, strict: false));
        state["decoder.layers.1.weight"] = Tensor.Zeros(2, 4);
        var result = net.LoadStateDict(state, strict: false);
        Assert.Equal(["decoder.norm.running_var"], result.MissingKeys);
        Assert.Equal(["head.weight"], result.UnexpectedKeys);
        Assert.All(net.Encoder.Weight.ToArray(), v => Assert.Equal(7f, v));
    }

    [Fact]
    public void VarBuilderLoadsByKeyPathAndReportsProblems()
    {
        var source = new TinyNet(VarBuilder.Init(5)).StateDict();
        var vb = VarBuilder.From(source);
        var net = new TinyNet(vb);
        Assert.Empty(vb.UnusedKeys());
        foreach (var (key, t) in net.StateDict()) Assert.Equal(source[key].ToArray(), t.ToArray());
        Assert.False(ReferenceEquals(source["encoder.weight"], net.Encoder.Weight));

        var extra = new Dictionary<string, Tensor>(source) { ["decoder.extra"] = Tensor.Zeros(1) };
        var vb2 = VarBuilder.From(extra);
        _ = new TinyNet(vb2);
        Assert.Equal(["decoder.extra"], vb2.UnusedKeys());

        var bad = new Dictionary<string, Tensor>(source) { ["decoder.layers.0.bias"] = Tensor.Zeros(5) };
        var ex = Assert.Throws<InvalidDataException>(() => new TinyNet(VarBuilder.From(bad)));
        Assert.Contains("'decoder.layers.0.bias' has shape [5], the model expects [4]", ex.Message);

        var missing = new Dictionary<string, Tensor>(source);
        missing.Remove("encoder.bias");
        Assert.Contains("encoder.bias", Assert.Throws<KeyNotFoundException>(() => new TinyNet(VarBuilder.From(missing))).Message);
        var filled = new TinyNet(VarBuilder.From(missing, initMissing: true));
        Assert.Equal([4], filled.Encoder.Bias!.Shape);
    }

    [Fact]
    public void SameSeedGivesSameInitialisation()
    {
        var a = new TinyNet(VarBuilder.Init(9)).StateDict();
        var b = new TinyNet(VarBuilder.Init(9)).StateDict();
        foreach (var (key, t) in a) Assert.Equal(t.ToArray(), b[key].ToArray());
    }

    [Fact]
    public void TrainEvalPropagatesAndZeroGradClears()
    {
        var net = new TinyNet(VarBuilder.Init(1));
        Assert.All(net.NamedModules(), m => Assert.True(m.Value.Training));
        net.Eval();
        Assert.All(net.NamedModules(), m => Assert.False(m.Value.Training));
        net.Train();
        Assert.True(net.Decoder.Layers[0].Training);

        var x = Tensor.Uniform(new Random(2), -1, 1, 4, 3);
        net.Forward(x).Sum().Backward();
        Assert.All(net.Parameters(), p => Assert.NotNull(p.Grad));
        net.ZeroGrad();
        Assert.All(net.Parameters(), p => Assert.Null(p.Grad));

        net.Encoder.SetRequiresGrad(false);
        net.Forward(x).Sum().Backward();
        Assert.Null(net.Encoder.Weight.Grad);
        Assert.NotNull(net.Decoder.Norm.Weight.Grad);
    }

    [Fact]
    public void ModuleListNumbersChildrenAndRejectsBadNames()
    {
        var list = new ModuleList<MulSumLinear>(VarBuilder.Init(0).Sub("blocks"), 3, (vb, i) => new MulSumLinear(vb, 2, 2));
        Assert.Equal(["0", "1", "2"], list.NamedChildren().Select(c => c.Key));
        Assert.Equal("blocks.2.bias", list[2].Bias!.Name);
        Assert.Equal("2.bias", list.NamedParameters().Last().Key);
        Assert.Throws<ArgumentException>(() => new BadModule("a.b"));
        Assert.Throws<ArgumentException>(() => new BadModule("weight", twice: true));
    }

    [Fact]
    public void TiedParametersAreCountedOnce()
    {
        var tied = new TiedModule();
        Assert.Single(tied.NamedParameters());
        Assert.Equal(4, tied.ParameterCount);
        Assert.Equal(["a", "b"], tied.StateDict().Keys);
    }

    private sealed class BadModule : Module
    {
        public BadModule(string name, bool twice = false)
        {
            RegisterParameter(name, Tensor.Zeros(1));
            if (twice) RegisterParameter(name, Tensor.Zeros(1));
        }
    }

    private sealed class TiedModule : Module
    {
        public TiedModule()
        {
            var shared = Tensor.Zeros(4);
            RegisterParameter("a", shared);
            RegisterParameter("b", shared);
        }
    }
}
