using FaceParse.Nn.Optimizers;
using FaceParse.Nn.Schedules;
using FaceParse.Tensors;

namespace FaceParse.Nn.Tests;

/// <summary>Module + autograd + optimiser + schedule end to end, on the Mul+Sum test layer.</summary>
public sealed class TrainingTests
{
    private static readonly float[] TrueW = [0.5f, -1.5f, 2.0f, 1.0f, 0.25f, -0.75f];
    private static readonly float[] TrueB = [0.3f, -0.2f];

    // x [64, 3] uniform; y = x·Wᵀ + b with W [2, 3].
    private static (Tensor X, Tensor Y) Data(int seed)
    {
        var x = Tensor.Uniform(new Random(seed), -1, 1, 64, 3);
        var w = Tensor.FromArray(TrueW, 1, 2, 3);
        var y = (x.Unsqueeze(1) * w).Sum([2]) + Tensor.FromArray(TrueB, 2);
        return (x, y);
    }

    private static Tensor Mse(Tensor prediction, Tensor target)
    {
        var d = prediction - target;
        return (d * d).Sum() / prediction.Count;
    }

    [Fact]
    public void AdamWFitsALinearMapWithCosineSchedule()
    {
        var (x, y) = Data(1);
        var model = new MulSumLinear(VarBuilder.Init(2).Sub("fc"), 3, 2);
        var opt = new AdamW([ParamGroup.Of(model)], weightDecay: 1e-4);
        var schedule = new LinearWarmup(new CosineAnnealingLr(0.05, 400), 20);
        float first = 0, loss = 0;
        for (int step = 0; step < 420; step++)
        {
            opt.Lr = schedule.LrAt(step);
            opt.ZeroGrad();
            var l = Mse(model.Forward(x), y);
            l.Backward();
            GradClip.ClipGradNorm(model.Parameters(), 1.0);
            opt.Step();
            loss = l.ToScalar();
            if (step == 0) first = loss;
        }
        Assert.True(first > 0.5f, $"initial loss {first}");
        Assert.True(loss < 1e-5f, $"final loss {loss}");
        OptimizerAssert.Close(TrueW, model.Weight.ToArray(), 1e-3f);
        OptimizerAssert.Close(TrueB, model.Bias!.ToArray(), 1e-3f);
    }

    [Fact]
    public void SgdSolvesLeastSquares()
    {
        var (x, y) = Data(3);
        var model = new MulSumLinear(VarBuilder.Init(4), 3, 2);
        var opt = new Sgd([ParamGroup.Of(model)], lr: 0.1, momentum: 0.9, nesterov: true);
        float loss = 0;
        for (int step = 0; step < 300; step++)
        {
            opt.ZeroGrad();
            var l = Mse(model.Forward(x), y);
            l.Backward();
            opt.Step();
            loss = l.ToScalar();
        }
        Assert.True(loss < 1e-8f, $"final loss {loss}");
    }

    [Fact]
    public void StepsInsideTensorScopesKeepOptimiserState()
    {
        var (x, y) = Data(7);
        float[] Fit(bool scoped)
        {
            var model = new MulSumLinear(VarBuilder.Init(8), 3, 2);
            var opt = new Adam([ParamGroup.Of(model)], lr: 0.01, amsgrad: true);
            for (int step = 0; step < 5; step++)
            {
                opt.ZeroGrad();
                using var scope = scoped ? new TensorScope() : null;
                Mse(model.Forward(x), y).Backward();
                opt.Step();
            }
            return model.Weight.ToArray();
        }
        Assert.Equal(Fit(scoped: false), Fit(scoped: true));
    }

    [Theory]
    [InlineData("adamw")]
    [InlineData("adam-amsgrad")]
    [InlineData("sgd")]
    public void ResumingFromStateDictsIsBitwiseIdentical(string kind)
    {
        const int total = 8, split = 3;
        var (x, y) = Data(5);
        ILrSchedule schedule = new LinearWarmup(new MultiStepLr(0.02, [5]), 2);

        Optimizer Make(Module m) => kind switch
        {
            "adamw" => new AdamW(ParamGroup.DecayAndNoDecay(m), weightDecay: 0.05),
            "adam-amsgrad" => new Adam([ParamGroup.Of(m)], weightDecay: 0.01, amsgrad: true),
            _ => new Sgd([ParamGroup.Of(m)], 0, momentum: 0.9, weightDecay: 1e-3),
        };

        void Train(TinyNet m, Optimizer opt, int from, int to)
        {
            for (int step = from; step < to; step++)
            {
                opt.Lr = schedule.LrAt(step);
                opt.ZeroGrad();
                var d = m.Forward(x) - y;
                (d * d).Sum().Backward();
                opt.Step();
            }
        }

        var straight = new TinyNet(VarBuilder.Init(6));
        Train(straight, Make(straight), 0, total);

        var first = new TinyNet(VarBuilder.Init(6));
        var firstOpt = Make(first);
        Train(first, firstOpt, 0, split);
        var modelState = first.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.Clone());
        var optState = firstOpt.StateDict();
        Train(first, firstOpt, split, split + 1); // keep training the original: the snapshots must not alias it

        var resumed = new TinyNet(VarBuilder.From(modelState));
        var resumedOpt = Make(resumed);
        resumedOpt.LoadStateDict(optState);
        Train(resumed, resumedOpt, split, total);

        var expected = straight.StateDict();
        foreach (var (key, t) in resumed.StateDict()) Assert.Equal(expected[key].ToArray(), t.ToArray());
        Assert.NotEqual(new TinyNet(VarBuilder.Init(6)).Encoder.Weight.ToArray(), resumed.Encoder.Weight.ToArray());
    }
}
