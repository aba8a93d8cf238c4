namespace FaceParse.Nn.Schedules;

/// <summary>torch.optim.lr_scheduler.CosineAnnealingLR in its closed form:
/// η = η_min + (lr − η_min)·(1 + cos(π·step/T_max))/2. As in torch, it is periodic: past T_max the rate rises again,
/// so set T_max to the length of the run.</summary>
public sealed class CosineAnnealingLr : ILrSchedule
{
    public CosineAnnealingLr(double lr, long tMax, double etaMin = 0)
    {
        if (tMax <= 0) throw new ArgumentOutOfRangeException(nameof(tMax), $"T_max must be positive, got {tMax}.");
        BaseLr = lr;
        TMax = tMax;
        EtaMin = etaMin;
    }

    public double BaseLr { get; }
    public long TMax { get; }
    public double EtaMin { get; }

    public double LrAt(long step)
    {
        return EtaMin + (BaseLr - EtaMin) * (1 + Math.Cos(Math.PI * step / TMax)) / 2;
    }
}
