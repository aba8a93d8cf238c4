using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using FaceParse.Architectures;

namespace FaceParse.Training;

/// <summary>Learning-rate schedule of a training run (per optimiser step).</summary>
public enum LrScheduleKind
{
    /// <summary>Linear warm-up (<see cref="TrainOptions.WarmupEpochs"/>) then cosine annealing to 1 % of the base rate at the
    /// end of the run.</summary>
    Cosine,
    /// <summary>Linear warm-up, then the rate times <see cref="TrainOptions.Gamma"/> at each milestone epoch (SegFace style).</summary>
    MultiStep,
}

/// <summary>Which weights a run writes to its <c>model.safetensors</c>.</summary>
public enum ModelSelection
{
    /// <summary>The epoch with the best validation mean F1 (rewritten on every improvement).</summary>
    Best,
    /// <summary>The last epoch of the run, written when the run ends (a selection rule that does not look at validation).</summary>
    Last,
}

/// <summary>Everything a <see cref="Trainer"/> run needs. Defaults are for training fp-liif-small from scratch.</summary>
/// <remarks>
/// <para>Optimiser and schedule: every null one of <see cref="Lr"/>, <see cref="WeightDecay"/>, <see cref="Schedule"/>,
/// <see cref="WarmupEpochs"/>, <see cref="ClipNorm"/>, <see cref="Milestones"/>, <see cref="Gamma"/> takes the value of the
/// architecture's <see cref="IArchitecture.DefaultRecipe"/> (<see cref="Recipe"/>), and a null <see cref="Size"/> its
/// <see cref="IArchitecture.DefaultInputSize"/>; the optimiser is AdamW with no decay on biases and other rank ≤ 1 tensors unless the recipe decays all parameters
/// (SegFace's does).</para>
/// <para><see cref="ConfigJson"/> holds what must match when a run is resumed; <see cref="Epochs"/>, <see cref="Workers"/>,
/// <see cref="ValEvery"/>, <see cref="EvalSize"/>, <see cref="ValLimit"/> and the paths are not in it, so a run can be extended or
/// moved. Extending <see cref="Epochs"/> stretches the schedule (cosine length and default milestones follow the new total).</para>
/// </remarks>
public sealed record TrainOptions
{
    /// <summary>Preset of a registered architecture (<see cref="ArchitectureRegistry.Presets"/>): fp-liif, fp-liif-small, fp-liif-tiny, ….</summary>
    public string Model { get; init; } = "fp-liif-small";
    /// <summary>Dataset root folder.</summary>
    public string Data { get; init; } = "";
    /// <summary>Dataset layout: folder, celebamask-hq, lapa or helen.</summary>
    public string Layout { get; init; } = "folder";
    /// <summary>Label set of the masks (folder layout); the other layouts fix their own and this must name it.</summary>
    public string Labels { get; init; } = "celebamask-hq";
    /// <summary>Training split: a split file (folder layout; null = every sample) or a split name (train/val/test).</summary>
    public string? SplitTrain { get; init; }
    /// <summary>Validation split, as <see cref="SplitTrain"/>; for the folder layout null means no validation.</summary>
    public string? SplitVal { get; init; }
    /// <summary>Square training (and model input) size; null = the architecture's default input size.</summary>
    public int? Size { get; init; }
    public int Epochs { get; init; } = 30;
    public int BatchSize { get; init; } = 8;
    /// <summary>Query pixels per image per step (LIIF-style sparse decoding).</summary>
    public int QueriesPerImage { get; init; } = 4096;
    /// <summary>AdamW base learning rate; null = the architecture's recipe.</summary>
    public double? Lr { get; init; }
    /// <summary>AdamW weight decay on weights; null = the architecture's recipe.</summary>
    public double? WeightDecay { get; init; }
    /// <summary>Learning-rate schedule; null = the architecture's recipe.</summary>
    public LrScheduleKind? Schedule { get; init; }
    /// <summary>Warm-up length in epochs (at most a quarter of the run is used; 0 = none); null = the architecture's recipe.</summary>
    public double? WarmupEpochs { get; init; }
    /// <summary>Multi-step milestones in epochs; null = the recipe's, or 60 % and 85 % of <see cref="Epochs"/>.</summary>
    public IReadOnlyList<int>? Milestones { get; init; }
    /// <summary>Multi-step decay factor; null = the architecture's recipe.</summary>
    public double? Gamma { get; init; }
    /// <summary>Maximum gradient L2 norm; 0 disables clipping; null = the architecture's recipe.</summary>
    public double? ClipNorm { get; init; }
    public float CeWeight { get; init; } = 0.5f;
    public float DiceWeight { get; init; } = 0.5f;
    /// <summary>Optional cross-entropy weight per class of the label set (e.g. higher for rare accessories); null = all 1.</summary>
    public IReadOnlyList<float>? ClassWeights { get; init; }
    /// <summary>Cross-entropy label smoothing ε (torch's <c>label_smoothing</c>); 0 = off.</summary>
    public float LabelSmoothing { get; init; }
    /// <summary>Rare-class sampling threshold t (<see cref="RepeatFactorSampling"/>: images with a class present in fewer than a
    /// fraction t of the training masks are drawn more often); null = plain shuffle.</summary>
    public double? RareSampling { get; init; }
    /// <summary>Data-parallel replicas (<see cref="DataParallelStep"/>): each step's batch is split into this many parts trained on
    /// their own threads; 1 = one network using every kernel thread.</summary>
    public int Replicas { get; init; } = 1;
    /// <summary>What <c>model.safetensors</c> holds: the best validated epoch (default) or the last epoch.</summary>
    public ModelSelection Select { get; init; } = ModelSelection.Best;
    /// <summary>Validate every this many epochs (the last epoch is always validated); 0 = only at the end.</summary>
    public int ValEvery { get; init; } = 1;
    /// <summary>Square evaluation side; null = each mask's own resolution.</summary>
    public int? EvalSize { get; init; } = 512;
    /// <summary>Validate on at most this many images (the first ones of the split).</summary>
    public int? ValLimit { get; init; }
    public int Seed { get; init; }
    /// <summary>Background batch loaders.</summary>
    public int Workers { get; init; } = 2;
    /// <summary>Run directory (checkpoints, metrics, model file).</summary>
    public string Out { get; init; } = "";
    /// <summary>Continue the run in <see cref="Out"/> from its last checkpoint.</summary>
    public bool Resume { get; init; }
    /// <summary>Fine-tuning: start from the weights of this model (registry name or file; same configuration and label set) instead of a seeded
    /// initialisation; the optimiser, schedule and epoch count start fresh. Ignored once the run has a checkpoint to resume.</summary>
    public string? Init { get; init; }
    public AugmentOptions Augment { get; init; } = new();
    /// <summary>The command that started the run, for train.json and the model notes.</summary>
    public string? CommandLine { get; init; }

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>The architecture owning the <see cref="Model"/> preset.</summary>
    /// <exception cref="ArgumentException">No registered architecture has that preset.</exception>
    public IArchitecture Architecture() => ArchitectureRegistry.GetPreset(Model).Architecture;

    /// <summary>The optimiser and schedule of the run: the architecture's <see cref="IArchitecture.DefaultRecipe"/> with every
    /// option that is set put in its place.</summary>
    public TrainingRecipe Recipe()
    {
        var d = Architecture().DefaultRecipe;
        return new TrainingRecipe(Lr ?? d.Lr, WeightDecay ?? d.WeightDecay, Schedule ?? d.Schedule, WarmupEpochs ?? d.WarmupEpochs, ClipNorm ?? d.ClipNorm)
        {
            Milestones = Milestones ?? d.Milestones, Gamma = Gamma ?? d.Gamma, ImageResize = d.ImageResize, DecayAllParameters = d.DecayAllParameters,
        };
    }

    /// <summary>These options with every recipe value and the size filled in from the architecture (what train.json records).</summary>
    public TrainOptions Resolved()
    {
        var r = Recipe();
        return this with
        {
            Size = EffectiveSize(), Lr = r.Lr, WeightDecay = r.WeightDecay, Schedule = r.Schedule, WarmupEpochs = r.WarmupEpochs,
            ClipNorm = r.ClipNorm, Milestones = r.Milestones, Gamma = r.Gamma,
        };
    }

    /// <summary>The training size: <see cref="Size"/> or the architecture's default input size.</summary>
    public int EffectiveSize() => Size ?? Architecture().DefaultInputSize;

    /// <summary>The settings a resumed run must share with the checkpoint (see the remarks), with the recipe resolved, so
    /// leaving an option to its default and stating the default's value are the same run.</summary>
    public string ConfigJson()
    {
        var recipe = Recipe();
        var config = new JsonObject
        {
            ["model"] = Model,
            ["labels"] = Labels,
            ["size"] = EffectiveSize(),
            ["batch_size"] = BatchSize,
            ["queries_per_image"] = QueriesPerImage,
            ["ce_weight"] = CeWeight,
            ["dice_weight"] = DiceWeight,
            ["lr"] = recipe.Lr,
            ["weight_decay"] = recipe.WeightDecay,
            ["schedule"] = JsonSerializer.SerializeToNode(recipe.Schedule, Json),
            ["warmup_epochs"] = recipe.WarmupEpochs,
            ["milestones"] = recipe.Milestones is null ? null : new JsonArray([.. recipe.Milestones.Select(m => (JsonNode?)m)]),
            ["gamma"] = recipe.Gamma,
            ["clip_norm"] = recipe.ClipNorm,
            ["seed"] = Seed,
            ["augment"] = JsonSerializer.SerializeToNode(Augment, Json),
        };
        // Only present when set, so runs started before the option existed still resume.
        if (ClassWeights is not null) config["class_weights"] = new JsonArray([.. ClassWeights.Select(w => (JsonNode?)w)]);
        if (LabelSmoothing != 0) config["label_smoothing"] = LabelSmoothing;
        if (RareSampling is { } t) config["rare_sampling"] = t;
        if (recipe.DecayAllParameters) config["decay_all_parameters"] = true;
        if (Replicas != 1) config["replicas"] = Replicas; // changes the numerics (per-part loss means), so a resume must keep it
        return config.ToJsonString();
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        static void Require(bool ok, string what)
        {
            if (!ok) throw new ArgumentException($"Invalid training option: {what}.");
        }
        Require(!string.IsNullOrWhiteSpace(Data), "--data is required");
        Require(!string.IsNullOrWhiteSpace(Out), "--out is required");
        Require(ArchitectureRegistry.FindPreset(Model) is not null, $"unknown model preset '{Model}'; known: {string.Join(", ", ArchitectureRegistry.Presets)}");
        Require(Size is null or (>= 8 and <= 4096), $"size must be in [8, 4096], got {Size}");
        Require(Epochs >= 1, $"epochs must be at least 1, got {Epochs}");
        Require(BatchSize >= 1, $"batch size must be at least 1, got {BatchSize}");
        Require(QueriesPerImage >= 1, $"queries per image must be at least 1, got {QueriesPerImage}");
        var r = Recipe();
        Require(r.Lr > 0 && double.IsFinite(r.Lr), $"lr must be positive, got {r.Lr}");
        Require(r.WeightDecay >= 0, $"weight decay must be ≥ 0, got {r.WeightDecay}");
        Require(r.WarmupEpochs >= 0, $"warm-up epochs must be ≥ 0, got {r.WarmupEpochs}");
        Require(r.Gamma > 0, $"gamma must be positive, got {r.Gamma}");
        Require(r.ClipNorm >= 0, $"clip norm must be ≥ 0, got {r.ClipNorm}");
        Require(CeWeight >= 0 && DiceWeight >= 0 && CeWeight + DiceWeight > 0, $"loss weights must be ≥ 0 and not both 0, got {CeWeight}/{DiceWeight}");
        Require(ClassWeights is null || ClassWeights.All(w => w >= 0 && float.IsFinite(w)) && ClassWeights.Any(w => w > 0), "class weights must be finite, ≥ 0 and not all 0");
        Require(LabelSmoothing is >= 0f and <= 1f, $"label smoothing must be in [0, 1], got {LabelSmoothing}");
        Require(RareSampling is null or (> 0 and <= 1), $"rare-class sampling threshold must be in (0, 1], got {RareSampling}");
        Require(Replicas >= 1 && Replicas <= BatchSize, $"replicas must be in [1, batch size {BatchSize}], got {Replicas}");
        Require(ValEvery >= 0, $"val-every must be ≥ 0, got {ValEvery}");
        Require(EvalSize is null or >= 1, $"eval size must be positive, got {EvalSize}");
        Require(ValLimit is null or >= 1, $"val limit must be positive, got {ValLimit}");
        Require(Workers >= 1, $"workers must be at least 1, got {Workers}");
        Augment.Validate();
    }

    /// <summary>train.json: the full options and the command line.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);
}
