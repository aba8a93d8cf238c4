using FaceParse.Architectures;
using FaceParse.Nn.Schedules;

namespace FaceParse.Training;

/// <summary>Builds the per-step learning-rate schedule of a run from its options.</summary>
internal static class TrainingSchedule
{
    /// <summary>The schedule over <paramref name="epochs"/> × <paramref name="stepsPerEpoch"/> optimiser steps: linear warm-up from
    /// 10 % of the rate over <see cref="TrainOptions.WarmupEpochs"/> (capped at a quarter of the run), then cosine annealing to 1 %
    /// of the rate at the last step, or multi-step decay at the milestone epochs.</summary>
    public static ILrSchedule Create(TrainOptions options, int epochs, int stepsPerEpoch)
    {
        ArgumentNullException.ThrowIfNull(options);
        var recipe = options.Recipe();
        long total = Math.Max(1, (long)epochs * stepsPerEpoch);
        long warmup = Math.Min((long)Math.Round(recipe.WarmupEpochs * stepsPerEpoch), total / 4);
        ILrSchedule main = recipe.Schedule switch
        {
            LrScheduleKind.Cosine => new CosineAnnealingLr(recipe.Lr, Math.Max(1, total - warmup), etaMin: 0.01 * recipe.Lr),
            LrScheduleKind.MultiStep => new MultiStepLr(recipe.Lr, MilestoneSteps(recipe, epochs, stepsPerEpoch, warmup), recipe.Gamma),
            _ => throw new ArgumentOutOfRangeException(nameof(options), $"Unknown schedule {recipe.Schedule}."),
        };
        return warmup > 0 ? new LinearWarmup(main, warmup, startFactor: 0.1) : main;
    }

    // Milestones are epochs of the whole run; the wrapped schedule counts steps from the end of the warm-up.
    private static IEnumerable<long> MilestoneSteps(TrainingRecipe recipe, int epochs, int stepsPerEpoch, long warmup)
    {
        IEnumerable<int> milestones = recipe.Milestones ?? [(int)Math.Round(0.6 * epochs), (int)Math.Round(0.85 * epochs)];
        return milestones.Select(m => Math.Max(0, (long)m * stepsPerEpoch - warmup));
    }
}
