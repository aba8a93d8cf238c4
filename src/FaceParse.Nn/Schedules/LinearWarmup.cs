namespace FaceParse.Nn.Schedules;

/// <summary>How the wrapped schedule sees the step count after warm-up.</summary>
public enum WarmupMode
{
    /// <summary>The wrapped schedule starts at step 0 when warm-up ends (torch SequentialLR([LinearLR, inner], [warmup])).</summary>
    Sequential,

    /// <summary>The wrapped schedule runs on the global step and warm-up scales it (torch ChainedScheduler([LinearLR, inner])).</summary>
    Multiply,
}

/// <summary>Linear warm-up in front of any schedule: during the first <c>warmupSteps</c> steps the rate is the wrapped
/// one times a factor rising linearly from <c>startFactor</c> (step 0) towards 1 (torch.optim.lr_scheduler.LinearLR).</summary>
public sealed class LinearWarmup : ILrSchedule
{
    public LinearWarmup(ILrSchedule inner, long warmupSteps, double startFactor = 1.0 / 3, WarmupMode mode = WarmupMode.Sequential)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (warmupSteps < 0) throw new ArgumentOutOfRangeException(nameof(warmupSteps), $"Invalid warm-up length {warmupSteps}.");
        if (startFactor is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(startFactor), $"Start factor must be in (0, 1], got {startFactor}.");
        Inner = inner;
        WarmupSteps = warmupSteps;
        StartFactor = startFactor;
        Mode = mode;
    }

    public ILrSchedule Inner { get; }
    public long WarmupSteps { get; }
    public double StartFactor { get; }
    public WarmupMode Mode { get; }

    public double LrAt(long step)
    {
        if (step >= WarmupSteps) return Inner.LrAt(Mode == WarmupMode.Sequential ? step - WarmupSteps : step);
        double factor = StartFactor + (1 - StartFactor) * step / WarmupSteps;
        return factor * Inner.LrAt(Mode == WarmupMode.Sequential ? 0 : step);
    }
}
