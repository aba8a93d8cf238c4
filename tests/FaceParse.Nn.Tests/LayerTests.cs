using FaceParse.Tensors;
using FaceParse.Tensors.Tests;

namespace FaceParse.Nn.Tests;

/// <summary>The standard layers: torch's state-dict keys and shapes, torch's default initialisation, forward equal to
/// the functional op on the same tensors, and the train/eval behaviour of BatchNorm2d and Dropout.</summary>
public sealed class LayerTests
{
    // Expected keys and shapes, in torch's order, written from torch.nn's module definitions.
    private static void AssertKeys(Module module, params (string Key, int[] Shape)[] expected)
    {
        var actual = module.StateDict().Select(kv => (kv.Key, Shape: kv.Value.Shape.ToArray())).ToArray();
        Assert.Equal(expected.Select(e => e.Key), actual.Select(a => a.Key));
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i].Shape, actual[i].Shape);
    }

    private static Tensor Input(params int[] shape) => Tensor.Uniform(new Random(shape.Sum()), -2, 2, shape);

    private static VarBuilder Vb => VarBuilder.Init(42);

    [Fact]
    public void ParameterNamesAndShapesMatchTorch()
    {
        AssertKeys(new Linear(Vb, 5, 3), ("weight", [3, 5]), ("bias", [3]));
        AssertKeys(new Linear(Vb, 5, 3, bias: false), ("weight", [3, 5]));
        AssertKeys(new Conv2d(Vb, 6, 4, (3, 2), groups: 2), ("weight", [4, 3, 3, 2]), ("bias", [4]));
        AssertKeys(new Conv2d(Vb, 6, 4, 1, bias: false), ("weight", [4, 6, 1, 1]));
        AssertKeys(new ConvTranspose2d(Vb, 6, 4, 3, groups: 2), ("weight", [6, 2, 3, 3]), ("bias", [4]));
        AssertKeys(new LayerNorm(Vb, 7), ("weight", [7]), ("bias", [7]));
        AssertKeys(new LayerNorm(Vb, 7, bias: false), ("weight", [7]));
        AssertKeys(new LayerNorm(Vb, 7, elementwiseAffine: false));
        AssertKeys(new LayerNorm2d(Vb, 5), ("weight", [5]), ("bias", [5]));
        AssertKeys(new BatchNorm2d(Vb, 5),
            ("weight", [5]), ("bias", [5]), ("running_mean", [5]), ("running_var", [5]), ("num_batches_tracked", []));
        AssertKeys(new BatchNorm2d(Vb, 5, affine: false), ("running_mean", [5]), ("running_var", [5]), ("num_batches_tracked", []));
        AssertKeys(new GroupNorm(Vb, 2, 6), ("weight", [6]), ("bias", [6]));
        AssertKeys(new Embedding(Vb, 10, 4), ("weight", [10, 4]));
        AssertKeys(new Mlp(Vb, 4, 8, 2, 3),
            ("layers.0.weight", [8, 4]), ("layers.0.bias", [8]), ("layers.1.weight", [8, 8]), ("layers.1.bias", [8]),
            ("layers.2.weight", [2, 8]), ("layers.2.bias", [2]));
        Module[] stateless = [new Relu(), new Gelu(), new Silu(), new HardSwish(), new HardSigmoid(), new Sigmoid(), new Tanh(),
            new Identity(), new Dropout(), new MaxPool2d(2), new AvgPool2d(2), new AdaptiveAvgPool2d(1)];
        foreach (var m in stateless) AssertKeys(m);
    }

    [Fact]
    public void NestedLayersTakeTheirBuilderPath()
    {
        var seq = new Sequential(VarBuilder.Init(1).Sub("stem"), 3, (v, i) => i switch
        {
            0 => new Conv2d(v, 3, 8, 3),
            1 => new BatchNorm2d(v, 8),
            _ => new Relu(),
        });
        Assert.Equal(["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "1.num_batches_tracked"], seq.StateDict().Keys);
        Assert.Equal("stem.1.running_var", ((BatchNorm2d)seq[1]).RunningVar.Name);
    }

    [Fact]
    public void InitialisationFollowsTorchDefaults()
    {
        static void Within(Tensor t, double bound)
        {
            var a = t.ToArray();
            Assert.All(a, v => Assert.InRange(Math.Abs(v), 0, bound));
            Assert.True(a.Max() - a.Min() > bound, $"{t.Name}: values do not spread over ±{bound}.");
        }
        var linear = new Linear(Vb, 50, 40);
        Within(linear.Weight, 1 / Math.Sqrt(50));
        Within(linear.Bias!, 1 / Math.Sqrt(50));
        var conv = new Conv2d(Vb, 8, 16, 3, groups: 2); // fan_in = 8/2·3·3 = 36
        Within(conv.Weight, 1 / 6.0);
        Within(conv.Bias!, 1 / 6.0);
        var deconv = new ConvTranspose2d(Vb, 16, 8, 2, groups: 2); // torch's fan_in = weight dim 1 · k² = 4·4 = 16
        Within(deconv.Weight, 0.25);
        Within(deconv.Bias!, 0.25);
        foreach (var norm in new Module[] { new LayerNorm(Vb, 6), new LayerNorm2d(Vb, 6), new BatchNorm2d(Vb, 6), new GroupNorm(Vb, 3, 6) })
        {
            var sd = norm.StateDict();
            Assert.All(sd["weight"].ToArray(), v => Assert.Equal(1f, v));
            Assert.All(sd["bias"].ToArray(), v => Assert.Equal(0f, v));
        }
        var bn = new BatchNorm2d(Vb, 3);
        Assert.Equal([0f, 0f, 0f], bn.RunningMean.ToArray());
        Assert.Equal([1f, 1f, 1f], bn.RunningVar.ToArray());
        Assert.Equal(0f, bn.NumBatchesTracked.ToScalar());
        var emb = new Embedding(Vb, 200, 8, paddingIdx: -1);
        Assert.Equal(199, emb.PaddingIdx);
        Assert.All(emb.Weight.ToArray()[(199 * 8)..], v => Assert.Equal(0f, v));
        var rows = emb.Weight.ToArray()[..(199 * 8)];
        Assert.InRange(rows.Average(), -0.1, 0.1);
        Assert.InRange(Math.Sqrt(rows.Average(v => (double)v * v)), 0.9, 1.1);
    }

    public static TheoryData<string> Layers => new(["linear", "conv", "conv-grouped", "deconv", "layernorm", "layernorm2d", "groupnorm",
        "relu", "gelu", "silu", "hardswish", "hardsigmoid", "sigmoid", "tanh", "identity", "maxpool", "avgpool", "adaptive"]);

    [Theory]
    [MemberData(nameof(Layers))]
    public void ForwardEqualsTheFunctionalOp(string layer)
    {
        var x = Input(2, 6, 7, 5);
        (IModule Module, Func<Tensor> Reference) = layer switch
        {
            "linear" => Pair(new Linear(Vb, 5, 3), m => Tensor.Linear(x, m.Weight, m.Bias)),
            "conv" => Pair(new Conv2d(Vb, 6, 4, (3, 2), stride: 2, padding: (1, 0), dilation: (1, 2)),
                m => x.Conv2d(m.Weight, m.Bias, 2, (1, 0), (1, 2))),
            "conv-grouped" => Pair(new Conv2d(Vb, 6, 9, 3, padding: 1, groups: 3, bias: false), m => x.Conv2d(m.Weight, null, 1, 1, 1, 3)),
            "deconv" => Pair(new ConvTranspose2d(Vb, 6, 4, 3, stride: 2, padding: 1, outputPadding: 1, groups: 2),
                m => x.ConvTranspose2d(m.Weight, m.Bias, 2, 1, 1, 2)),
            "layernorm" => Pair(Randomised(new LayerNorm(Vb, 5, eps: 1e-3f)), m => x.LayerNorm(m.Weight, m.Bias, 1e-3f)),
            "layernorm2d" => Pair(Randomised(new LayerNorm2d(Vb, 6)), m => x.LayerNorm2d(m.Weight, m.Bias, 1e-6f)),
            "groupnorm" => Pair(Randomised(new GroupNorm(Vb, 3, 6)), m => x.GroupNorm(3, m.Weight, m.Bias)),
            "relu" => Pair(new Relu(), _ => x.Relu()),
            "gelu" => Pair(new Gelu(), _ => x.Gelu()),
            "silu" => Pair(new Silu(), _ => x.Silu()),
            "hardswish" => Pair(new HardSwish(), _ => x.HardSwish()),
            "hardsigmoid" => Pair(new HardSigmoid(), _ => x.HardSigmoid()),
            "sigmoid" => Pair(new Sigmoid(), _ => x.Sigmoid()),
            "tanh" => Pair(new Tanh(), _ => x.Tanh()),
            "identity" => Pair(new Identity(), _ => x),
            "maxpool" => Pair(new MaxPool2d(3, padding: 1, ceilMode: true), _ => x.MaxPool2d(3, 3, 1, 1, true)),
            "avgpool" => Pair(new AvgPool2d((2, 3), stride: 1, padding: 1, countIncludePad: false), _ => x.AvgPool2d((2, 3), 1, 1, false, false)),
            "adaptive" => Pair(new AdaptiveAvgPool2d((3, 2)), _ => x.AdaptiveAvgPool2d(3, 2)),
            _ => throw new ArgumentOutOfRangeException(nameof(layer)),
        };
        Assert.Equal(Reference().ToArray(), Module.Forward(x).ToArray());
    }

    private static (IModule, Func<Tensor>) Pair<T>(T module, Func<T, Tensor> reference) where T : IModule => (module, () => reference(module));

    // Norm layers start at ones/zeros; random affine parameters make the comparison meaningful.
    private static T Randomised<T>(T module) where T : Module
    {
        var rng = new Random(5);
        foreach (var p in module.Parameters()) Tensor.Uniform(rng, -1, 1, [.. p.Shape]).Span.CopyTo(p.Span);
        return module;
    }

    [Fact]
    public void MlpChainsLinearsWithTheActivationBetween()
    {
        var x = Input(3, 4);
        var mlp = new Mlp(Vb, 4, 6, 2, 3, activation: t => t.Gelu(), sigmoidOutput: true);
        var l = mlp.Layers;
        var expected = Tensor.Linear(Tensor.Linear(Tensor.Linear(x, l[0].Weight, l[0].Bias).Gelu(), l[1].Weight, l[1].Bias).Gelu(), l[2].Weight, l[2].Bias).Sigmoid();
        Assert.Equal(expected.ToArray(), mlp.Forward(x).ToArray());
        var plain = new Mlp(Vb, 4, 6, 2, 1);
        Assert.Equal(Tensor.Linear(x, plain.Layers[0].Weight, plain.Layers[0].Bias).ToArray(), plain.Forward(x).ToArray());
    }

    [Fact]
    public void BatchNormTrainsOnBatchStatisticsAndEvaluatesOnRunningOnes()
    {
        var x = Input(4, 3, 5, 5);
        var bn = Randomised(new BatchNorm2d(Vb, 3));
        var (rm, rv) = (Tensor.Zeros(3), Tensor.Ones(3));
        var trained = bn.Forward(x);
        Assert.Equal(x.BatchNorm2d(rm, rv, bn.Weight, bn.Bias).ToArray(), trained.ToArray());
        Assert.Equal(rm.ToArray(), bn.RunningMean.ToArray());
        Assert.Equal(rv.ToArray(), bn.RunningVar.ToArray());
        Assert.Equal(1f, bn.NumBatchesTracked.ToScalar());
        var batchMean = x.Mean([0, 2, 3]).ToArray();
        OpCheck.Close(batchMean.Select(m => 0.1f * m).ToArray(), bn.RunningMean.ToArray(), 1e-6f, 1e-4f, "running_mean");

        bn.Eval();
        var evaluated = bn.Forward(x);
        var expected = (x - bn.RunningMean.Reshape(1, 3, 1, 1)) / (bn.RunningVar.Reshape(1, 3, 1, 1) + 1e-5f).Sqrt()
            * bn.Weight!.Reshape(1, 3, 1, 1) + bn.Bias!.Reshape(1, 3, 1, 1);
        OpCheck.Close(expected.ToArray(), evaluated.ToArray(), 1e-5f, 1e-4f, "eval output");
        Assert.Equal(1f, bn.NumBatchesTracked.ToScalar());
        Assert.Equal(rm.ToArray(), bn.RunningMean.ToArray());
        Assert.NotEqual(trained.ToArray(), evaluated.ToArray());
    }

    [Fact]
    public void BatchNormWithoutMomentumKeepsTheCumulativeAverage()
    {
        var bn = new BatchNorm2d(Vb, 2, momentum: null);
        var a = Input(2, 2, 3, 3);
        var b = Input(3, 2, 4, 3) + 1f;
        bn.Forward(a);
        bn.Forward(b);
        var mean = (a.Mean([0, 2, 3]) + b.Mean([0, 2, 3])) * 0.5f;
        OpCheck.Close(mean.ToArray(), bn.RunningMean.ToArray(), 1e-6f, 1e-5f, "running_mean");
        Assert.Equal(2f, bn.NumBatchesTracked.ToScalar());
    }

    [Fact]
    public void EvalReachesNestedLayers()
    {
        var seq = new Sequential(new BatchNorm2d(Vb, 3), new Dropout(0.9f, new Random(1)));
        seq.Eval();
        Assert.All(seq, m => Assert.False(m.Training));
        var x = Input(2, 3, 2, 2);
        var bn = (BatchNorm2d)seq[0];
        Assert.Equal(x.BatchNorm2d(bn.RunningMean, bn.RunningVar, bn.Weight, bn.Bias, training: false).ToArray(), seq.Forward(x).ToArray());
    }

    [Fact]
    public void DropoutIsOffInEvalAndInvertedInTraining()
    {
        var x = Tensor.Ones(64, 64);
        var dropout = new Dropout(0.25f, new Random(3));
        var y = dropout.Forward(x).ToArray();
        Assert.All(y, v => Assert.True(v == 0f || v == 1f / 0.75f, $"value {v}"));
        Assert.InRange(y.Count(v => v == 0f) / (double)y.Length, 0.2, 0.3);
        dropout.Eval();
        Assert.Equal(x.ToArray(), dropout.Forward(x).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dropout(1.5f));
    }

    [Fact]
    public void EmbeddingLooksUpRowsAndFreezesThePaddingRow()
    {
        var emb = new Embedding(Vb, 6, 3, paddingIdx: 2);
        Tensor.Uniform(new Random(9), -1, 1, 6, 3).Span.CopyTo(emb.Weight.Span); // as if loaded: the padding row is non-zero
        var ids = new IntTensor([1, 2, 5, 2, 1, 0], 2, 3);
        var y = emb.Forward(ids);
        Assert.Equal([2, 3, 3], y.Shape);
        Assert.Equal(Tensor.Embedding(ids, emb.Weight).ToArray(), y.ToArray());
        y.Sum().Backward();
        var g = emb.Weight.Grad!.ToArray();
        Assert.Equal([1f, 1f, 1f, 2f, 2f, 2f, 0f, 0f, 0f], g[..9]);
        Assert.Equal([0f, 0f, 0f, 0f, 0f, 0f, 1f, 1f, 1f], g[9..]);
    }

    [Fact]
    public void InvalidConfigurationsNameTheArgument()
    {
        Assert.Contains("groups", Assert.Throws<ArgumentException>(() => new Conv2d(Vb, 6, 4, 3, groups: 4)).Message);
        Assert.Contains("numGroups", Assert.Throws<ArgumentException>(() => new GroupNorm(Vb, 4, 6)).Message);
        Assert.Contains("outFeatures", Assert.Throws<ArgumentOutOfRangeException>(() => new Linear(Vb, 3, 0)).Message);
        Assert.Contains("[N, C, H, W]", Assert.Throws<ArgumentException>(() => new BatchNorm2d(Vb, 3).Forward(Input(4, 3))).Message);
    }
}
