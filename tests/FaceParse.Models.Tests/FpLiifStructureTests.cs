namespace FaceParse.Models.Tests;

/// <summary>Configurations, parameter counts against per-layer formulas, and torch-style key names.</summary>
public sealed class FpLiifStructureTests(ITestOutputHelper output)
{
    private static long Conv3x3(int inC, int outC) => (long)outC * inC * 9 + outC;

    private static long Linear(int inF, int outF) => (long)inF * outF + outF;

    /// <summary>Every layer's shape written out: head conv, 2 convs per block, one closing conv per group, the strided
    /// convs, reduce 9C → RH → R, pixel MLP (R + C + P) → H → H → H → K.</summary>
    private static long Formula(FpLiifConfig c)
    {
        int ch = c.Channels;
        long encoder = Conv3x3(3, ch)
            + c.BlocksPerGroup.Sum(blocks => blocks * 2 * Conv3x3(ch, ch) + Conv3x3(ch, ch))
            + c.DownStrides.Count * Conv3x3(ch, ch);
        long reduce = Linear(9 * ch, c.ReduceHidden) + Linear(c.ReduceHidden, c.ReduceOut);
        long mlp = Linear(c.ReduceOut + ch + 4, c.MlpHidden) + 2 * Linear(c.MlpHidden, c.MlpHidden) + Linear(c.MlpHidden, c.NumClasses);
        return encoder + reduce + mlp;
    }

    [Theory]
    [InlineData("fp-liif", 2_293_651)]
    [InlineData("fp-liif-small", 354_515)]
    [InlineData("fp-liif-tiny", 52_851)]
    public void ParameterCountMatchesTheLayerFormula(string name, long expected)
    {
        var config = FpLiifConfigs.Get(name);
        var model = new FpLiifModel(VarBuilder.Init(0), config);
        output.WriteLine($"{name}: {model.ParameterCount:N0} parameters");
        Assert.Equal(Formula(config), model.ParameterCount);
        Assert.Equal(expected, model.ParameterCount);
    }

    [Fact]
    public void FaithfulCountIsWrittenOutLayerByLayer()
    {
        long encoder = (64 * 3 * 9 + 64) + 24 * 2 * (64 * 64 * 9 + 64) + 3 * (64 * 64 * 9 + 64) + 2 * (64 * 64 * 9 + 64);
        long reduce = (576 * 256 + 256) + (256 * 64 + 64);
        long mlp = (132 * 256 + 256) + 2 * (256 * 256 + 256) + (256 * 19 + 19);
        Assert.Equal(1_958_976, encoder);
        Assert.Equal(encoder + reduce + mlp, new FpLiifModel(VarBuilder.Init(0), FpLiifConfigs.FpLiif).ParameterCount);
    }

    [Fact]
    public void KeyNamesFollowTheTorchHierarchy()
    {
        var shapes = new FpLiifModel(VarBuilder.Init(0), FpLiifConfigs.FpLiif).NamedParameters()
            .ToDictionary(p => p.Key, p => p.Value.Shape.ToArray());
        Assert.Equal([64, 3, 3, 3], shapes["encoder.head.weight"]);
        Assert.Equal([64, 64, 3, 3], shapes["encoder.groups.0.blocks.1.conv1.weight"]);
        Assert.Equal([64], shapes["encoder.groups.2.blocks.15.conv2.bias"]);
        Assert.Equal([64, 64, 3, 3], shapes["encoder.groups.1.conv.weight"]);
        Assert.Equal([64, 64, 3, 3], shapes["encoder.down.1.weight"]);
        Assert.Equal([256, 576], shapes["decoder.reduce.layers.0.weight"]);
        Assert.Equal([64, 256], shapes["decoder.reduce.layers.1.weight"]);
        Assert.Equal([256, 132], shapes["decoder.mlp.layers.0.weight"]);
        Assert.Equal([19, 256], shapes["decoder.mlp.layers.3.weight"]);
        Assert.False(shapes.ContainsKey("encoder.groups.2.blocks.16.conv1.weight"));
        Assert.False(shapes.ContainsKey("encoder.down.2.weight"));
    }

    [Fact]
    public void StateDictRebuildsTheSameModel()
    {
        var model = new FpLiifModel(VarBuilder.Init(4), FpLiifConfigs.Tiny);
        var vb = VarBuilder.From(model.StateDict());
        var copy = new FpLiifModel(vb, FpLiifConfigs.Tiny);
        Assert.Empty(vb.UnusedKeys());
        var x = Tensor.Uniform(new Random(2), 0f, 1f, 1, 3, 12, 12);
        using (GradMode.NoGrad()) Assert.Equal(model.Forward(x, 5, 7).ToArray(), copy.Forward(x, 5, 7).ToArray());
    }

    [Fact]
    public void ConfigsAreFoundByNameAndValidated()
    {
        Assert.Same(FpLiifConfigs.Small, FpLiifConfigs.Get("FP-LIIF-SMALL"));
        Assert.Throws<ArgumentException>(() => FpLiifConfigs.Get("fp-liif-huge"));
        Assert.Equal(4, FpLiifConfigs.FpLiif.Downsampling);
        Assert.Equal(4, FpLiifConfigs.FpLiif.PositionalDims);
        var bad = FpLiifConfigs.Tiny with { DownStrides = [2] };
        Assert.Throws<ArgumentException>(() => new FpLiifModel(VarBuilder.Init(0), bad));
        var sinusoidal = FpLiifConfigs.Tiny with { PositionalEncoding = FpLiifPositionalEncoding.Sinusoidal };
        Assert.Equal(16 + 16 + 24, sinusoidal.MlpInputs);
    }
}
