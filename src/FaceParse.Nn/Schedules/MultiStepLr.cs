namespace FaceParse.Nn.Schedules;

/// <summary>torch.optim.lr_scheduler.MultiStepLR: lr·γ^k where k counts the milestones ≤ step (so the drop applies at the
/// milestone itself). SegFace: <c>new MultiStepLr(lr, [80, 200], 0.1)</c> per epoch.</summary>
public sealed class MultiStepLr : ILrSchedule
{
    private readonly long[] _milestones;

    public MultiStepLr(double lr, IEnumerable<long> milestones, double gamma = 0.1)
    {
        ArgumentNullException.ThrowIfNull(milestones);
        _milestones = [.. milestones.Order()];
        BaseLr = lr;
        Gamma = gamma;
    }

    public double BaseLr { get; }
    public double Gamma { get; }
    public IReadOnlyList<long> Milestones => _milestones;

    public double LrAt(long step)
    {
        int passed = 0;
        while (passed < _milestones.Length && _milestones[passed] <= step) passed++;
        return BaseLr * Math.Pow(Gamma, passed);
    }
}
