using System.Diagnostics;
using System.Globalization;
using FaceParse.Architectures;
using FaceParse.Data;
using FaceParse.Evaluation;
using FaceParse.Inference;
using FaceParse.Labels;
using FaceParse.Nn.Optimizers;
using FaceParse.Nn.Schedules;
using FaceParse.Tensors;

namespace FaceParse.Training;

/// <summary>Trains a model of any registered architecture (the <see cref="TrainOptions.Model"/> preset names it) and keeps a run
/// directory: checkpoints, metrics, the model. The loss of a step is the architecture's (<see cref="ParsingNetwork.TrainingLoss"/>),
/// the optimiser and schedule its <see cref="IArchitecture.DefaultRecipe"/> with the options' overrides.</summary>
/// <remarks>
/// <para>Order of one run: open and validate the data (a <see cref="DatasetException"/> before any training), build or resume the
/// model, AdamW and schedule, then per step: batch (augmented to Size²) → the architecture's training loss (FP-LIIF: Q random
/// pixels per image, encode + query, CE/Dice) → NaN guard → backward → clip → lr from the schedule at the global step → optimiser step. Per epoch: validation when due
/// (mean F1 via <see cref="Evaluator"/>), best checkpoint and <c>model.safetensors</c> on improvement, metrics row, last checkpoint.</para>
/// <para>Cancellation stops after the current step; the last checkpoint then holds the completed epochs only, so an interrupted
/// epoch restarts from its beginning on resume. A stop requested after an epoch's last step skips (or abandons) that epoch's
/// validation but saves the epoch (its metrics row has no validation scores); resuming a run that never completed
/// an epoch starts it afresh. Resuming restores weights, optimiser,
/// RNG, step and best metric, so a resumed run computes what the uninterrupted one would have.</para>
/// <para>A non-finite loss (or gradient norm) throws <see cref="NonFiniteLossException"/> before the optimiser step; the checkpoints
/// of the completed epochs are kept.</para>
/// </remarks>
public sealed class Trainer
{
    private readonly TrainOptions _options;
    private readonly IProgress<TrainingProgress>? _progress;
    private readonly Action<string> _log;

    /// <param name="options">The run's options.</param>
    /// <param name="progress">Receives a report after every step (called on the training thread).</param>
    /// <param name="log">Receives one line per event (start, validation, checkpoint); default: nothing.</param>
    public Trainer(TrainOptions options, IProgress<TrainingProgress>? progress = null, Action<string>? log = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        options.Validate();
        _progress = progress;
        _log = log ?? (_ => { });
    }

    /// <summary>Test hook: replaces the loss value seen by the NaN guard, given (global step, loss).</summary>
    internal Func<long, double, double>? LossProbe { get; init; }

    public TrainResult Run(CancellationToken cancellationToken = default)
    {
        var o = _options.Resolved();
        var labels = LabelSets.Get(o.Labels);
        var recipe = o.Recipe();
        int size = o.EffectiveSize();
        var runDir = new RunDirectory(o.Out);
        runDir.EnsureUsable(o.Resume);
        bool resuming = o.Resume && File.Exists(Path.Combine(runDir.Path, CheckpointStore.LastFileName));
        // The model (and an --init model, checked against it) comes first, so a bad --init fails before the data is read.
        var model = SegmentationModel.CreateNew(o.Model, labels, size, o.Seed);
        if (o.Init is not null && !resuming) InitialiseFrom(model, o.Init);

        var train = DatasetLayouts.Open(o.Layout, o.Data, labels, o.SplitTrain, "train");
        var val = o.Layout == "folder" && o.SplitVal is null ? null : DatasetLayouts.Open(o.Layout, o.Data, labels, o.SplitVal, "val");
        var store = new CheckpointStore(runDir.Path); // creates the run directory
        RepeatFactorSampling? rare = null;
        if (o.RareSampling is { } threshold)
        {
            _log($"Rare-class sampling (t = {threshold.ToString(CultureInfo.InvariantCulture)}): reading the {train.Count} training masks ...");
            rare = new RepeatFactorSampling(RepeatFactorSampling.FactorsFrom(RepeatFactorSampling.Presence(train, o.Workers), threshold));
            _log($"  {rare.Factors.Count(r => r > 1)} of {train.Count} images are repeated (largest factor {rare.Factors.Max():F2}).");
        }
        var loader = new DataLoader(train, CodecImageDecoder.Instance, new Augmenter(labels, recipe.ImageResize is { } resize ? o.Augment with { PlainResizeMode = resize } : o.Augment, size, size), new DataLoaderOptions
        {
            BatchSize = o.BatchSize, Workers = o.Workers, Seed = (ulong)o.Seed, Normalization = Normalization.Unit, RepeatFactors = rare,
        });
        _log($"Checking {train.Count} training samples{(val is null ? "" : $" and {val.Count} validation samples")} ...");
        loader.Validate(decodeMasks: true); // every mask value checked against the label set before the first step
        val?.Validate(CodecImageDecoder.Instance, decodeMasks: true, maxDegreeOfParallelism: o.Workers).ThrowIfInvalid();

        var optimizer = new AdamW(OptimizerGroups(recipe, model.Module), lr: recipe.Lr, weightDecay: recipe.WeightDecay);
        var log = new TrainingLog(runDir.Path);
        string config = o.ConfigJson();
        var rng = new Xoshiro256((ulong)o.Seed ^ 0x7A17_0000_0000_0003UL);
        int startEpoch = 0;
        long globalStep = 0;
        double? best = null;
        if (o.Resume && !resuming)
        {
            log.TruncateAfter(0);
            _log($"{runDir.Path} has no checkpoint yet (no epoch was completed): starting from the beginning.");
        }
        else if (resuming)
        {
            var checkpoint = store.LoadForResume(o.Model, labels, config);
            rng = checkpoint.Restore(model.Module, optimizer);
            (startEpoch, globalStep, best) = (checkpoint.Info.Epoch, checkpoint.Info.GlobalStep, checkpoint.Info.BestMetric);
            log.TruncateAfter(startEpoch);
            _log($"Resuming {runDir.Path} after epoch {startEpoch} (step {globalStep}, best val mean F1 {Format(best)}).");
        }
        runDir.WriteOptions(o, startEpoch);
        string? modelPath = File.Exists(runDir.ModelPath) ? runDir.ModelPath : null;
        if (startEpoch >= o.Epochs)
        {
            _log($"Nothing to do: the run already has {startEpoch} of {o.Epochs} epochs.");
            return new TrainResult(startEpoch, globalStep, best, false, modelPath);
        }

        int steps = loader.BatchesPerEpoch;
        var schedule = TrainingSchedule.Create(o, o.Epochs, steps);
        if (o.ClassWeights is { } cw && cw.Count != labels.Count)
            throw new ArgumentException($"--class-weights has {cw.Count} values; label set '{labels.Name}' has {labels.Count} classes.");
        var step = new TrainingStepContext(rng)
        {
            CeWeight = o.CeWeight, DiceWeight = o.DiceWeight, QueriesPerImage = o.QueriesPerImage, LabelSmoothing = o.LabelSmoothing,
            ClassWeights = o.ClassWeights is null ? null : Tensor.Unpooled([.. o.ClassWeights], o.ClassWeights.Count),
        };
        var replicas = o.Replicas > 1
            ? new DataParallelStep(model.Network, [.. Enumerable.Range(0, o.Replicas).Select(_ => SegmentationModel.CreateNew(o.Model, labels, size, o.Seed).Network)])
            : null;
        var meter = new ProgressMeter(o.Epochs);
        _log($"Training {model.Name} ({model.ParameterCount:N0} parameters) for epochs {startEpoch + 1}..{o.Epochs}, {steps} steps of {o.BatchSize} images each" +
            (replicas is null ? "." : $", split over {replicas.Replicas} data-parallel replicas."));
        for (int epoch = startEpoch; epoch < o.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            meter.BeginEpoch(epoch, steps);
            bool completed = TrainEpoch(model.Network, replicas, recipe.ClipNorm, optimizer, schedule, step, loader, meter, epoch, ref globalStep, cancellationToken);
            double trainSeconds = clock.Elapsed.TotalSeconds;
            double trainLoss = meter.AverageLoss, imagesPerSecond = meter.ImagesPerSecond;
            EvaluationReport? report = null;
            if (completed && val is not null && IsValidationEpoch(epoch))
            {
                try { report = Evaluator.Evaluate(model, val, o.EvalSize, o.ValLimit, cancellationToken: cancellationToken); }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    _log($"Stop requested: skipping the validation of epoch {epoch + 1}; its training is saved.");
                }
            }
            if (!completed)
            {
                _log($"Stopped during epoch {epoch + 1}; the last checkpoint holds {epoch} completed epoch(s) and this epoch restarts on resume.");
                return new TrainResult(epoch, globalStep - meter.Step, best, true, modelPath);
            }
            double lr = schedule.LrAt(Math.Max(0, globalStep - 1));
            if (report is not null)
            {
                _log($"Epoch {epoch + 1}: train loss {trainLoss:F4}, val mean F1 {report.MeanF1:F4}, mIoU {report.MeanIoU:F4} " +
                    $"({report.Images} images, {clock.Elapsed.TotalSeconds - trainSeconds:F0} s).");
                if (double.IsFinite(report.MeanF1) && (best is null || report.MeanF1 > best))
                {
                    best = report.MeanF1;
                    store.SaveBest(CheckpointInfo.Create(o.Model, epoch + 1, globalStep, best, rng, config, labels), model.Module, optimizer);
                    bool write = o.Select == ModelSelection.Best;
                    if (write)
                    {
                        model.Save(runDir.ModelPath, Notes(epoch + 1, report.MeanF1));
                        modelPath = runDir.ModelPath;
                    }
                    _log($"New best val mean F1 {best:F4}: wrote {CheckpointStore.BestFileName}{(write ? $" and {RunDirectory.ModelFileName}" : "")}.");
                }
            }
            else
            {
                _log($"Epoch {epoch + 1}: train loss {trainLoss:F4}.");
            }
            if (o.Select == ModelSelection.Last && epoch + 1 == o.Epochs && val is not null)
            {
                model.Save(runDir.ModelPath, Notes(epoch + 1, report?.MeanF1));
                modelPath = runDir.ModelPath;
                _log($"Last epoch: wrote its weights to {RunDirectory.ModelFileName} (--select last).");
            }
            log.Append(new EpochMetrics(epoch + 1, globalStep, trainLoss, report?.MeanF1, report?.MeanIoU, lr, clock.Elapsed.TotalSeconds, imagesPerSecond));
            store.SaveLast(CheckpointInfo.Create(o.Model, epoch + 1, globalStep, best, rng, config, labels), model.Module, optimizer);
            if (cancellationToken.IsCancellationRequested && epoch + 1 < o.Epochs)
            {
                _log($"Stopped after epoch {epoch + 1}; the last checkpoint holds it.");
                return new TrainResult(epoch + 1, globalStep, best, true, modelPath);
            }
        }
        if (val is null)
        {
            model.Save(runDir.ModelPath, Notes(o.Epochs, null));
            modelPath = runDir.ModelPath;
            _log($"No validation split: wrote the final weights to {RunDirectory.ModelFileName}.");
        }
        return new TrainResult(o.Epochs, globalStep, best, false, modelPath);
    }

    // One epoch of optimiser steps; false when cancelled before its end (nothing of it is saved).
    private bool TrainEpoch(ParsingNetwork network, DataParallelStep? replicas, double clipNorm, AdamW optimizer, ILrSchedule schedule, TrainingStepContext step,
        DataLoader loader, ProgressMeter meter, int epoch, ref long globalStep, CancellationToken cancellationToken)
    {
        var parameters = network.Module.Parameters().ToList();
        try
        {
            foreach (var batch in loader.ReadEpoch(epoch, cancellationToken))
            {
                if (cancellationToken.IsCancellationRequested) return false;
                double lr = schedule.LrAt(globalStep);
                double value;
                using (new TensorScope(releaseActivationsInBackward: true)) // the loss is read before Backward, nothing after
                {
                    if (replicas is null)
                    {
                        var loss = network.TrainingLoss(batch.Images, batch.Labels, step);
                        value = loss.ToScalar();
                        if (LossProbe is not null) value = LossProbe(globalStep, value);
                        NonFiniteLossException.ThrowIfNonFinite(value, epoch + 1, meter.Step + 1, globalStep);
                        loss.Backward();
                    }
                    else
                    {
                        value = replicas.LossAndGradients(batch.Images, batch.Labels, step); // gradients land on the master, unapplied
                        if (LossProbe is not null) value = LossProbe(globalStep, value);
                        NonFiniteLossException.ThrowIfNonFinite(value, epoch + 1, meter.Step + 1, globalStep);
                    }
                    if (clipNorm > 0)
                    {
                        double norm = GradClip.ClipGradNorm(parameters, clipNorm);
                        NonFiniteLossException.ThrowIfNonFinite(double.IsFinite(norm) ? value : norm, epoch + 1, meter.Step + 1, globalStep);
                    }
                    optimizer.Lr = lr;
                    optimizer.Step();
                    optimizer.ZeroGrad();
                    replicas?.SyncBuffers();
                }
                globalStep++;
                var report = meter.Record(value, batch.Count, globalStep, lr); // always: the meter also counts the epoch's steps
                _progress?.Report(report);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return meter.Step == meter.StepsPerEpoch; // the loader may notice the stop only after handing out the last batch
        }
        finally
        {
            optimizer.ZeroGrad();
        }
        return meter.Step == meter.StepsPerEpoch;
    }

    // Fine-tuning start: the init model must be the same configuration with the same label set, so every tensor fits.
    private void InitialiseFrom(SegmentationModel model, string path)
    {
        var init = ModelRegistry.Load(path);
        if (init.Description.ConfigJson != model.Description.ConfigJson || init.Labels.Name != model.Labels.Name)
            throw new ArgumentException($"--init {path}: model '{init.Name}' (labels {init.Labels.Name}, configuration {init.Description.ConfigJson}) " +
                $"does not have the configuration of --model {_options.Model} with labels {model.Labels.Name}; fine-tuning needs the same network.");
        model.Module.LoadStateDict(init.Module.StateDict());
        _log($"Initialised the weights from {path} ({init.Name}).");
    }

    private bool IsValidationEpoch(int epoch) =>
        epoch == _options.Epochs - 1 || (_options.ValEvery > 0 && (epoch + 1) % _options.ValEvery == 0);

    private string Notes(int epoch, double? meanF1)
    {
        var o = _options;
        string metric = meanF1 is { } f
            ? $"val mean F1 {f.ToString("F4", CultureInfo.InvariantCulture)} at eval size {(o.EvalSize is int s ? $"{s}x{s}" : "mask resolution")}" +
              $"{(o.ValLimit is int l ? $" (first {l} val images)" : "")}"
            : "no validation split";
        return $"Trained with faceparse train ({o.CommandLine ?? "library call"}); data {o.Data} ({o.Layout}, labels {o.Labels}); " +
            $"epoch {epoch} of {o.Epochs}; {metric}.";
    }

    private static string Format(double? value) => value is { } v ? v.ToString("F4", CultureInfo.InvariantCulture) : "-";

    /// <summary>AdamW's parameter groups for a recipe: all parameters decayed (<see cref="TrainingRecipe.DecayAllParameters"/>),
    /// or weights decayed and rank ≤ 1 tensors (biases, norm scales) not.</summary>
    internal static ParamGroup[] OptimizerGroups(TrainingRecipe recipe, FaceParse.Nn.Module module) =>
        recipe.DecayAllParameters ? [ParamGroup.Of(module)] : ParamGroup.DecayAndNoDecay(module);
}
