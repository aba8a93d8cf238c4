namespace FaceParse.Nn.Schedules;

/// <summary>A stateless learning-rate schedule: the rate for a step (or epoch — the caller chooses the unit) depends on
/// that number alone, so resuming needs only the step count: <c>opt.Lr = schedule.LrAt(step)</c>.</summary>
public interface ILrSchedule
{
    /// <summary>Learning rate at <paramref name="step"/> (0-based, ≥ 0).</summary>
    double LrAt(long step);
}

/// <summary>The same rate at every step (torch's ConstantLR with factor 1, or no scheduler).</summary>
public sealed class ConstantLr(double lr) : ILrSchedule
{
    public double Lr { get; } = lr;

    public double LrAt(long step) => Lr;
}
