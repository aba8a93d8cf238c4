using System.Diagnostics;

namespace FaceParse.Training;

/// <summary>One progress report of a trainer, sent through <see cref="IProgress{T}"/> (the CLI renders it).</summary>
/// <param name="Epoch">0-based epoch.</param>
/// <param name="Epochs">Total epochs of the run.</param>
/// <param name="Step">1-based step within the epoch.</param>
/// <param name="StepsPerEpoch">Steps in this epoch.</param>
/// <param name="GlobalStep">Optimiser steps since the run began.</param>
/// <param name="Loss">Loss of the last step.</param>
/// <param name="AverageLoss">Mean loss of the epoch so far.</param>
/// <param name="ImagesPerSecond">Throughput of the epoch so far.</param>
/// <param name="Eta">Estimated time to the end of the run, or null before the first step is timed.</param>
/// <param name="LearningRate">Learning rate used for the step.</param>
public sealed record TrainingProgress(int Epoch, int Epochs, int Step, int StepsPerEpoch, long GlobalStep, double Loss, double AverageLoss,
    double ImagesPerSecond, TimeSpan? Eta, double LearningRate)
{
    /// <summary>Fraction of the whole run done, in [0, 1].</summary>
    public double Fraction => Epochs * (double)StepsPerEpoch == 0 ? 0 : Math.Min(1, (Epoch * (double)StepsPerEpoch + Step) / (Epochs * (double)StepsPerEpoch));
}

/// <summary>Turns per-step losses into <see cref="TrainingProgress"/> reports: running mean loss, images per second and ETA
/// from the average step time of the current epoch (later epochs are assumed to take as long).</summary>
internal sealed class ProgressMeter
{
    private readonly Func<TimeSpan> _clock;
    private TimeSpan _epochStart;
    private double _lossSum;
    private long _images;

    /// <param name="epochs">Total epochs of the run.</param>
    /// <param name="clock">Elapsed-time source (tests pass a fake); default a started <see cref="Stopwatch"/>.</param>
    public ProgressMeter(int epochs, Func<TimeSpan>? clock = null)
    {
        if (epochs < 1) throw new ArgumentOutOfRangeException(nameof(epochs), $"Need at least one epoch, got {epochs}.");
        Epochs = epochs;
        if (clock is null)
        {
            var watch = Stopwatch.StartNew();
            clock = () => watch.Elapsed;
        }
        _clock = clock;
    }

    public int Epochs { get; }
    public int Epoch { get; private set; }
    public int StepsPerEpoch { get; private set; }
    public int Step { get; private set; }

    /// <summary>Seconds since <see cref="BeginEpoch"/>.</summary>
    public double EpochSeconds => (_clock() - _epochStart).TotalSeconds;

    /// <summary>Images per second since <see cref="BeginEpoch"/>.</summary>
    public double ImagesPerSecond => EpochSeconds > 0 ? _images / EpochSeconds : 0;

    /// <summary>Mean loss of the epoch so far (NaN before the first step).</summary>
    public double AverageLoss => Step == 0 ? double.NaN : _lossSum / Step;

    public void BeginEpoch(int epoch, int stepsPerEpoch)
    {
        Epoch = epoch;
        StepsPerEpoch = stepsPerEpoch;
        Step = 0;
        _lossSum = 0;
        _images = 0;
        _epochStart = _clock();
    }

    /// <summary>Records one finished step of <paramref name="images"/> images and returns the report for it.</summary>
    public TrainingProgress Record(double loss, int images, long globalStep, double learningRate)
    {
        Step++;
        _lossSum += loss;
        _images += images;
        double seconds = EpochSeconds;
        TimeSpan? eta = null;
        if (seconds > 0)
        {
            double perStep = seconds / Step;
            long remaining = (StepsPerEpoch - Step) + (long)(Epochs - Epoch - 1) * StepsPerEpoch;
            eta = TimeSpan.FromSeconds(Math.Max(0, remaining) * perStep);
        }
        return new TrainingProgress(Epoch, Epochs, Step, StepsPerEpoch, globalStep, loss, AverageLoss, ImagesPerSecond, eta, learningRate);
    }
}

/// <summary>The loss became NaN or infinite: training stops, the last good checkpoint is kept.</summary>
public sealed class NonFiniteLossException(int epoch, int step, long globalStep, double loss)
    : Exception($"Training stopped: the loss is {loss} at epoch {epoch}, step {step} (global step {globalStep}). " +
        "The last good checkpoint is kept; lower the learning rate or check the data, then resume.")
{
    public int Epoch { get; } = epoch;
    public int Step { get; } = step;
    public long GlobalStep { get; } = globalStep;
    public double Loss { get; } = loss;

    /// <summary>Throws unless <paramref name="loss"/> is finite. Call before the optimiser step so bad gradients never land.</summary>
    public static void ThrowIfNonFinite(double loss, int epoch, int step, long globalStep)
    {
        if (!double.IsFinite(loss)) throw new NonFiniteLossException(epoch, step, globalStep, loss);
    }
}
