using FaceParse.Nn.Schedules;

namespace FaceParse.Nn.Tests;

public sealed class ScheduleTests
{
    [Fact]
    public void ConstantIsConstant()
    {
        var s = new ConstantLr(3e-4);
        Assert.Equal(3e-4, s.LrAt(0));
        Assert.Equal(3e-4, s.LrAt(1_000_000));
    }

    [Fact]
    public void MultiStepDropsAtEachMilestoneLikeSegFace()
    {
        var s = new MultiStepLr(1e-4, [200, 80], 0.1); // unsorted milestones are sorted
        Assert.Equal(1e-4, s.LrAt(0), 15);
        Assert.Equal(1e-4, s.LrAt(79), 15);
        Assert.Equal(1e-5, s.LrAt(80), 15);
        Assert.Equal(1e-5, s.LrAt(199), 15);
        Assert.Equal(1e-6, s.LrAt(200), 15);
        Assert.Equal(1e-6, s.LrAt(300), 15);
    }

    [Fact]
    public void CosineUsesTorchClosedForm()
    {
        var s = new CosineAnnealingLr(0.1, 100, etaMin: 0.001);
        Assert.Equal(0.1, s.LrAt(0), 15);
        Assert.Equal(0.0505, s.LrAt(50), 15); // midpoint: (lr + η_min)/2
        Assert.Equal(0.001 + 0.099 * (1 + Math.Cos(Math.PI / 4)) / 2, s.LrAt(25), 15);
        Assert.Equal(0.001, s.LrAt(100), 15);
        Assert.Equal(s.LrAt(90), s.LrAt(110), 15); // periodic past T_max, as torch's closed form
        Assert.Throws<ArgumentOutOfRangeException>(() => new CosineAnnealingLr(0.1, 0));
    }

    [Fact]
    public void LinearWarmupRampsThenHandsOver()
    {
        var cosine = new CosineAnnealingLr(0.1, 100);
        var seq = new LinearWarmup(cosine, 10, startFactor: 0.1);
        Assert.Equal(0.01, seq.LrAt(0), 15);
        Assert.Equal(0.1 * (0.1 + 0.9 * 5 / 10.0), seq.LrAt(5), 15);
        Assert.Equal(0.1, seq.LrAt(10), 15); // cosine restarts at its step 0
        Assert.Equal(cosine.LrAt(40), seq.LrAt(50), 15);

        var mul = new LinearWarmup(cosine, 10, startFactor: 0.1, WarmupMode.Multiply);
        Assert.Equal(cosine.LrAt(5) * 0.55, mul.LrAt(5), 15);
        Assert.Equal(cosine.LrAt(50), mul.LrAt(50), 15);

        var steps = new LinearWarmup(new MultiStepLr(1e-3, [80, 200]), 5);
        Assert.Equal(1e-3 / 3, steps.LrAt(0), 15);
        Assert.Equal(1e-4, steps.LrAt(85), 15);
        Assert.Equal(1e-3, new LinearWarmup(new ConstantLr(1e-3), 0).LrAt(0), 15);
    }
}
