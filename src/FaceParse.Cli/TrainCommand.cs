using System.CommandLine;
using FaceParse.Architectures;
using FaceParse.Training;

namespace FaceParse.Cli;

/// <summary>`faceparse train`: trains a model of any registered architecture into a run directory (see <see cref="Trainer"/>).</summary>
/// <remarks>Exit codes: 0 done, 1 invalid options/data/checkpoint, 2 non-finite loss (last good checkpoint kept),
/// 130 stopped by Ctrl+C/SIGTERM (resume with --resume; the interrupted epoch restarts).</remarks>
internal static class TrainCommand
{
    public const int ExitNonFinite = 2;
    public const int ExitInterrupted = 130;

    /// <summary>Default interval of plain progress lines when stderr is not a terminal.</summary>
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(30);

    public static Command Create()
    {
        var defaults = new TrainOptions();
        var data = new DataOptions();
        var model = new Option<string>("--model") { Description = $"Model preset: {string.Join(", ", ArchitectureRegistry.Presets)}.", DefaultValueFactory = _ => defaults.Model };
        var splitTrain = new Option<string?>("--split-train") { Description = "Training split: a split file (folder layout) or split name." };
        var splitVal = new Option<string?>("--split-val") { Description = "Validation split: a split file (folder layout; none = no validation) or split name." };
        var size = new Option<int?>("--size") { Description = "Square training/input size (default: the architecture's, 256 for fp-liif)." };
        var epochs = new Option<int>("--epochs") { Description = "Total epochs of the run (may be raised on --resume).", Required = true };
        var output = new Option<string>("--out") { Description = "Run directory (checkpoints, metrics, model.safetensors).", Required = true };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from last.safetensors." };
        var init = new Option<string?>("--init") { Description = "Fine-tune: start from this model's weights (name or .safetensors path; same --model and labels)." };
        var seed = Int("--seed", "Run seed (initialisation, shuffle, augmentation, query pixels).", defaults.Seed);
        var batch = Int("--batch-size", "Images per step.", defaults.BatchSize);
        var lr = new Option<double?>("--lr") { Description = "AdamW base learning rate (default: the architecture's recipe; fp-liif 1e-3)." };
        var weightDecay = new Option<double?>("--weight-decay") { Description = "AdamW weight decay, weights only (default: the recipe's; fp-liif 1e-4)." };
        var schedule = new Option<LrScheduleKind?>("--schedule") { Description = "cosine (warm-up + cosine) or multistep (default: the recipe's; fp-liif cosine)." };
        var clip = new Option<double?>("--clip-norm") { Description = "Gradient norm clip, 0 = off (default: the recipe's; fp-liif 1.0)." };
        var queries = Int("--queries", "Query pixels per image per step.", defaults.QueriesPerImage);
        var valEvery = Int("--val-every", "Validate every K epochs (the last epoch always).", defaults.ValEvery);
        var valLimit = new Option<int?>("--val-limit") { Description = "Validate on the first N images only." };
        var workers = Int("--workers", "Background batch loaders.", defaults.Workers);
        var classWeights = new Option<string?>("--class-weights") { Description = "Cross-entropy weight per class, comma-separated in label-set order (default: all 1)." };
        var noAugment = new Option<bool>("--no-augment") { Description = "Plain resize instead of random augmentation." };
        var rotation = new Option<double?>("--rotation") { Description = $"Augmentation: rotation drawn from ±DEG degrees (default {new AugmentOptions().RotationDegrees})." };
        var scale = new Option<string?>("--scale") { Description = "Augmentation: zoom drawn from MIN,MAX (default 0.9,1.1; above 1 enlarges the face)." };
        var smoothing = new Option<float>("--label-smoothing") { Description = "Cross-entropy label smoothing ε in [0, 1] (default 0)." };
        var rare = new Option<double?>("--rare-sampling")
        {
            Description = "Rare-class sampling: draw images with a class present in under a fraction T of the training masks more often (repeat factor √(T/f), LVIS); e.g. 0.25.",
        };
        var replicas = new Option<int>("--replicas")
        {
            Description = "Data-parallel replicas: split each batch into K parts trained on their own threads (threads/K kernel threads each); " +
                "small models train faster with K = cores than with one replica on every thread.",
            DefaultValueFactory = _ => defaults.Replicas,
        };
        var select = new Option<ModelSelection>("--select")
        {
            Description = "What model.safetensors holds: best (the best validated epoch) or last (the last epoch).", DefaultValueFactory = _ => defaults.Select,
        };
        var interval = new Option<double>("--progress-interval")
        {
            Description = "Seconds between plain progress lines when stderr is not a terminal.", DefaultValueFactory = _ => PlainInterval.TotalSeconds,
        };
        var command = new Command("train", "Train a face-parsing model (Ctrl+C stops gracefully; --resume continues).")
        {
            model, splitTrain, splitVal, size, epochs, output, resume, init, seed, batch, lr, weightDecay, schedule, clip, queries, valEvery, valLimit, workers, classWeights, noAugment, rotation, scale, smoothing, rare, replicas, select, interval,
        };
        data.AddTo(command);
        command.SetAction(result =>
        {
            var options = new TrainOptions
            {
                Model = result.GetValue(model)!, Data = result.GetValue(data.Data)!, Layout = result.GetValue(data.Layout)!,
                Labels = data.LabelsOf(result), SplitTrain = result.GetValue(splitTrain), SplitVal = result.GetValue(splitVal),
                Size = result.GetValue(size), Epochs = result.GetValue(epochs), Out = result.GetValue(output)!, Resume = result.GetValue(resume),
                Init = result.GetValue(init),
                Seed = result.GetValue(seed), BatchSize = result.GetValue(batch), Lr = result.GetValue(lr), WeightDecay = result.GetValue(weightDecay),
                Schedule = result.GetValue(schedule), ClipNorm = result.GetValue(clip), QueriesPerImage = result.GetValue(queries),
                ValEvery = result.GetValue(valEvery), EvalSize = data.EvalSizeOf(result), ValLimit = result.GetValue(valLimit),
                Workers = result.GetValue(workers), ClassWeights = ParseWeights(result.GetValue(classWeights)),
                Augment = Augmentation(result.GetValue(noAugment), result.GetValue(rotation), result.GetValue(scale)),
                LabelSmoothing = result.GetValue(smoothing), RareSampling = result.GetValue(rare), Select = result.GetValue(select), Replicas = result.GetValue(replicas),
                CommandLine = "faceparse " + string.Join(' ', result.Tokens.Select(t => t.Value.Contains(' ') ? $"\"{t.Value}\"" : t.Value)),
            };
            return Run(options, TimeSpan.FromSeconds(Math.Max(0, result.GetValue(interval))));
        });
        return command;
    }

    private static AugmentOptions Augmentation(bool none, double? rotation, string? scale)
    {
        if (none)
        {
            if (rotation is not null || scale is not null) throw new ArgumentException("--no-augment cannot be combined with --rotation or --scale.");
            return AugmentOptions.None;
        }
        var augment = new AugmentOptions();
        if (rotation is { } degrees) augment = augment with { RotationDegrees = degrees };
        if (scale is not null)
        {
            var v = ParseWeights(scale)!;
            if (v.Length != 2) throw new ArgumentException($"--scale needs MIN,MAX, got '{scale}'.");
            augment = augment with { ScaleMin = v[0], ScaleMax = v[1] };
        }
        return augment;
    }

    private static float[]? ParseWeights(string? text) => text is null ? null :
        text.Split(',', StringSplitOptions.TrimEntries).Select(v => float.TryParse(v, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out float w)
            ? w : throw new ArgumentException($"'{v}' is not a number (in '{text}').")).ToArray();

    private static int Run(TrainOptions options, TimeSpan plainInterval)
    {
        var display = new TrainProgressDisplay(Console.Error, TrainProgressDisplay.CanRenderLive(), plainInterval);
        using var stop = new StopSignal(display.Line);
        try
        {
            var result = display.Run((progress, line) => new Trainer(options, progress, line).Run(stop.Token));
            string best = result.BestMetric is { } b ? $", best val mean F1 {b:F4}" : "";
            if (result.Cancelled)
            {
                display.Line($"Stopped: {result.EpochsCompleted} epoch(s) saved in {options.Out}{best}. Continue with the same command plus --resume.");
                return ExitInterrupted;
            }
            display.Line($"Done: {result.EpochsCompleted} epoch(s){best}; model: {result.ModelPath ?? "(none)"}.");
            return 0;
        }
        catch (NonFiniteLossException e)
        {
            Console.Error.WriteLine($"faceparse: error: {e.Message}");
            return ExitNonFinite;
        }
        catch (Exception e) when (DataOptions.Report(e) is { } code)
        {
            return code;
        }
    }

    private static Option<int> Int(string name, string description, int defaultValue) =>
        new(name) { Description = description, DefaultValueFactory = _ => defaultValue };
}
