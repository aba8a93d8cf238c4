using FaceParse.Data;
using FaceParse.Labels;
using FaceParse.Tensors.Serialization;
using FaceParse.Training;

namespace FaceParse.Tests.Training;

/// <summary>End-to-end runs of <see cref="Trainer"/> on a generated 32×32 folder dataset with fp-liif-tiny.</summary>
public sealed class TrainerTests : IDisposable
{
    private readonly SyntheticFaceSet _data = new(count: 12, size: 32, classes: Ids(LabelSets.CelebAMaskHq, "background", "skin", "nose", "hair"), valCount: 4);

    public void Dispose() => _data.Dispose();

    internal static byte[] Ids(LabelSet set, params string[] names) => [.. names.Select(n => (byte)set.IdOf(n))];

    private TrainOptions Options(string run, int epochs) => new()
    {
        Model = "fp-liif-tiny", Data = _data.Root, Layout = "folder", Labels = "celebamask-hq",
        SplitTrain = _data.TrainSplit, SplitVal = _data.ValSplit, Size = 32, EvalSize = 32, Epochs = epochs, BatchSize = 4,
        QueriesPerImage = 256, Lr = 5e-3, Workers = 1, Seed = 3, Out = _data.NewRunDir(run), Augment = AugmentOptions.None with { FlipProbability = 0.5 },
    };

    [Fact]
    public void TinyRunWritesEveryFileAndLearns()
    {
        var options = Options("e2e", epochs: 6);
        var lines = new List<string>();
        var reports = new List<TrainingProgress>();
        var result = new Trainer(options, new Collect(reports), lines.Add).Run(TestContext.Current.CancellationToken);

        Assert.False(result.Cancelled);
        Assert.Equal(6, result.EpochsCompleted);
        Assert.Equal(12, result.GlobalStep); // 8 training images / batch 4 = 2 steps per epoch
        Assert.Equal(12, reports.Count);
        foreach (var file in new[] { "last.safetensors", "best.safetensors", "model.safetensors", "metrics.csv", "metrics.json", "curve.svg", "train.json" })
            Assert.True(File.Exists(Path.Combine(options.Out, file)), $"{file} missing; log:\n{string.Join('\n', lines)}");
        var rows = new TrainingLog(options.Out).Rows;
        Assert.Equal([1, 2, 3, 4, 5, 6], rows.Select(r => r.Epoch));
        Assert.True(rows[^1].TrainLoss < rows[0].TrainLoss, $"loss {rows[0].TrainLoss} → {rows[^1].TrainLoss}");
        Assert.All(rows, r => Assert.InRange(r.ValMeanF1 ?? -1, 0.0, 1.0));
        Assert.Equal(result.BestMetric, rows.Max(r => r.ValMeanF1));
        var model = FaceParse.Inference.SegmentationModel.Load(result.ModelPath!);
        Assert.Equal(32, model.InputSize);
        Assert.Contains("val mean F1", model.Description.Notes);
        Assert.Contains("\"start_epoch\": 0", File.ReadAllText(Path.Combine(options.Out, "train.json")));
    }

    [Fact]
    public void ResumedRunEqualsStraightRunBitwise()
    {
        var straight = Options("straight", epochs: 2);
        new Trainer(straight).Run(TestContext.Current.CancellationToken);
        var split = Options("split", epochs: 2);
        using (var stop = new CancellationTokenSource())
        {
            Assert.True(new Trainer(split, new Collect([], p => { if (p.GlobalStep == 3) stop.Cancel(); })).Run(stop.Token).Cancelled);
        }
        var resumed = new Trainer(split with { Resume = true }).Run(TestContext.Current.CancellationToken);
        Assert.Equal(2, resumed.EpochsCompleted);

        var a = SafeTensors.Load(Path.Combine(straight.Out, CheckpointStore.LastFileName)).Tensors;
        var b = SafeTensors.Load(Path.Combine(split.Out, CheckpointStore.LastFileName)).Tensors;
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var (key, t) in a) Assert.True(t.ToArray().AsSpan().SequenceEqual(b[key].ToArray()), $"{key} differs");
        static string Row(EpochMetrics r) => $"{r.Epoch} {r.Step} {r.TrainLoss:R} {r.ValMeanF1:R} {r.ValMiou:R} {r.Lr:R}";
        Assert.Equal(new TrainingLog(straight.Out).Rows.Select(Row), new TrainingLog(split.Out).Rows.Select(Row));
    }

    [Fact]
    public void NonFiniteLossStopsAndKeepsTheLastGoodCheckpoint()
    {
        var options = Options("nan", epochs: 2);
        var trainer = new Trainer(options) { LossProbe = (step, loss) => step == 3 ? double.NaN : loss };
        var e = Assert.Throws<NonFiniteLossException>(() => trainer.Run(TestContext.Current.CancellationToken));
        Assert.Equal(2, e.Epoch);
        var checkpoint = CheckpointStore.Load(Path.Combine(options.Out, CheckpointStore.LastFileName));
        Assert.Equal(1, checkpoint.Info.Epoch);
        Assert.All(checkpoint.Model.Values, t => Assert.All(t.ToArray(), v => Assert.True(float.IsFinite(v))));
    }

    [Fact]
    public void WrongLayoutFailsBeforeTraining()
    {
        var options = Options("layout", epochs: 1) with { Layout = "lapa", Labels = "lapa" };
        Assert.ThrowsAny<DatasetException>(() => new Trainer(options).Run(TestContext.Current.CancellationToken));
        Assert.False(File.Exists(Path.Combine(options.Out, CheckpointStore.LastFileName)));
        Assert.False(File.Exists(Path.Combine(options.Out, RunDirectory.OptionsFileName)));
    }

    [Fact]
    public void BadMaskValueFailsBeforeTraining()
    {
        var options = Options("labels", epochs: 1) with { Labels = "lapa" }; // celebamask-hq ids 13 (hair) exceed LaPa's 0..10
        var e = Assert.ThrowsAny<DatasetException>(() => new Trainer(options).Run(TestContext.Current.CancellationToken));
        Assert.Contains("13", e.Message);
        Assert.False(File.Exists(Path.Combine(options.Out, RunDirectory.OptionsFileName))); // train.json comes after validation
    }

    [Fact]
    public void CancellationMidEpochKeepsCompletedEpochsAndResumes()
    {
        var options = Options("cancel", epochs: 2);
        using var stop = new CancellationTokenSource();
        var progress = new Collect([], p => { if (p.GlobalStep == 3) stop.Cancel(); });
        var result = new Trainer(options, progress).Run(stop.Token);
        Assert.True(result.Cancelled);
        Assert.Equal(1, result.EpochsCompleted);
        Assert.Equal(2, result.GlobalStep);
        var checkpoint = CheckpointStore.Load(Path.Combine(options.Out, CheckpointStore.LastFileName));
        Assert.Equal((1, 2L), (checkpoint.Info.Epoch, checkpoint.Info.GlobalStep));
        Assert.Single(new TrainingLog(options.Out).Rows);

        var resumed = new Trainer(options with { Resume = true }).Run(TestContext.Current.CancellationToken);
        Assert.Equal((2, 4L, false), (resumed.EpochsCompleted, resumed.GlobalStep, resumed.Cancelled));
    }

    [Fact]
    public void StopAfterAnEpochsLastStepSavesTheEpochWithoutValidation()
    {
        var options = Options("stop-at-end", epochs: 2);
        using var stop = new CancellationTokenSource();
        var result = new Trainer(options, new Collect([], p => { if (p.GlobalStep == 2) stop.Cancel(); })).Run(stop.Token);
        Assert.Equal((1, 2L, true), (result.EpochsCompleted, result.GlobalStep, result.Cancelled));
        var row = Assert.Single(new TrainingLog(options.Out).Rows);
        Assert.Null(row.ValMeanF1);
        Assert.Equal(1, CheckpointStore.Load(Path.Combine(options.Out, CheckpointStore.LastFileName)).Info.Epoch);
    }

    [Fact]
    public void ExistingRunIsNotOverwrittenWithoutResume()
    {
        var options = Options("existing", epochs: 1);
        new Trainer(options).Run(TestContext.Current.CancellationToken);
        var e = Assert.Throws<IOException>(() => new Trainer(options).Run(TestContext.Current.CancellationToken));
        Assert.Contains("--resume", e.Message);
        var mismatch = Assert.Throws<CheckpointMismatchException>(() => new Trainer(options with { Resume = true, Lr = 1e-4 }).Run(TestContext.Current.CancellationToken));
        Assert.Contains("lr", mismatch.Message);
    }

    [Fact]
    public void ConfigJsonLeavesOutEpochsAndPaths()
    {
        var a = Options("a", epochs: 1);
        Assert.Equal(a.ConfigJson(), (a with { Epochs = 9, Workers = 3, Out = "/elsewhere", ValLimit = 2 }).ConfigJson());
        Assert.NotEqual(a.ConfigJson(), (a with { Seed = 4 }).ConfigJson());
        Assert.NotEqual(a.ConfigJson(), (a with { Augment = new AugmentOptions() }).ConfigJson());
    }

    [Fact]
    public void ClassWeightsOfTheWrongLengthFailBeforeTraining()
    {
        var options = Options("weights", epochs: 1) with { ClassWeights = [1f, 2f] };
        var e = Assert.Throws<ArgumentException>(() => new Trainer(options).Run(TestContext.Current.CancellationToken));
        Assert.Contains("class-weights", e.Message);
        Assert.NotEqual(options.ConfigJson(), (options with { ClassWeights = null }).ConfigJson());
        Assert.DoesNotContain("class_weights", (options with { ClassWeights = null }).ConfigJson());
    }

    [Fact]
    public void SelectLastWritesTheLastEpochNotTheBest()
    {
        var options = Options("last", epochs: 3) with { Select = ModelSelection.Last, ValEvery = 1 };
        var lines = new List<string>();
        var result = new Trainer(options, log: lines.Add).Run(TestContext.Current.CancellationToken);
        Assert.Equal(Path.Combine(options.Out, RunDirectory.ModelFileName), result.ModelPath);
        // model.safetensors holds exactly the weights of the last checkpoint (epoch 3), whichever epoch validated best.
        var last = SafeTensors.Load(Path.Combine(options.Out, CheckpointStore.LastFileName)).Tensors;
        var model = FaceParse.Inference.SegmentationModel.Load(result.ModelPath!);
        foreach (var (key, t) in model.Module.StateDict()) Assert.Equal(last["model." + key].ToArray(), t.ToArray());
        Assert.Contains("epoch 3 of 3", model.Description.Notes);
        Assert.Single(lines, l => l.Contains("--select last", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("wrote best.safetensors and", StringComparison.Ordinal));
        Assert.Equal(options.ConfigJson(), (options with { Select = ModelSelection.Best }).ConfigJson()); // selection is not training
    }

    [Fact]
    public void RareSamplingAndLabelSmoothingRunAndBelongToTheConfig()
    {
        var options = Options("rare", epochs: 2) with { RareSampling = 0.5, LabelSmoothing = 0.1f };
        var lines = new List<string>();
        var result = new Trainer(options, log: lines.Add).Run(TestContext.Current.CancellationToken);
        Assert.Equal((2, 4L), (result.EpochsCompleted, result.GlobalStep));
        Assert.Contains(lines, l => l.StartsWith("Rare-class sampling (t = 0.5)", StringComparison.Ordinal));
        var plain = Options("plain", epochs: 2);
        Assert.DoesNotContain("rare_sampling", plain.ConfigJson());
        Assert.DoesNotContain("label_smoothing", plain.ConfigJson());
        Assert.Contains("\"rare_sampling\":0.5", options.ConfigJson());
        Assert.Contains("\"label_smoothing\":0.1", options.ConfigJson());
        // The smoothed loss differs from the plain one on the same first batch.
        new Trainer(plain).Run(TestContext.Current.CancellationToken);
        var smoothOnly = Options("smooth", epochs: 2) with { LabelSmoothing = 0.1f };
        new Trainer(smoothOnly).Run(TestContext.Current.CancellationToken);
        Assert.NotEqual(new TrainingLog(plain.Out).Rows[0].TrainLoss, new TrainingLog(smoothOnly.Out).Rows[0].TrainLoss);
        Assert.Throws<ArgumentException>(() => new Trainer(plain with { LabelSmoothing = 1.5f }));
        Assert.Throws<ArgumentException>(() => new Trainer(plain with { RareSampling = 0 }));
    }

    [Fact]
    public void DataParallelRunLearnsAndResumesBitwise()
    {
        var straight = Options("dp-straight", epochs: 6) with { Replicas = 2 };
        var result = new Trainer(straight).Run(TestContext.Current.CancellationToken);
        var rows = new TrainingLog(straight.Out).Rows;
        Assert.True(rows[^1].TrainLoss < rows[0].TrainLoss, $"loss {rows[0].TrainLoss} → {rows[^1].TrainLoss}");
        Assert.Contains("\"replicas\":2", straight.ConfigJson());

        var split = Options("dp-split", epochs: 6) with { Replicas = 2 };
        using (var stop = new CancellationTokenSource())
            Assert.True(new Trainer(split, new Collect([], p => { if (p.GlobalStep == 3) stop.Cancel(); })).Run(stop.Token).Cancelled);
        new Trainer(split with { Resume = true }).Run(TestContext.Current.CancellationToken);
        var a = SafeTensors.Load(Path.Combine(straight.Out, CheckpointStore.LastFileName)).Tensors;
        var b = SafeTensors.Load(Path.Combine(split.Out, CheckpointStore.LastFileName)).Tensors;
        foreach (var (key, t) in a) Assert.True(t.ToArray().AsSpan().SequenceEqual(b[key].ToArray()), $"{key} differs");
        Assert.Throws<CheckpointMismatchException>(() => new Trainer(split with { Resume = true, Replicas = 1, Epochs = 7 }).Run(TestContext.Current.CancellationToken));
        Assert.Throws<ArgumentException>(() => new Trainer(straight with { Replicas = 5 })); // more replicas than images per batch
    }

    [Fact]
    public void InitStartsFromTheGivenModelsWeights()
    {
        var source = new Trainer(Options("source", epochs: 2)).Run(TestContext.Current.CancellationToken);
        // A learning rate of 1e-30 leaves every weight where it started, so the checkpoint shows the starting point.
        var tuned = Options("tuned", epochs: 1) with { Init = source.ModelPath, Lr = 1e-30, Seed = 9 };
        var lines = new List<string>();
        new Trainer(tuned, log: lines.Add).Run(TestContext.Current.CancellationToken);
        var fresh = Options("fresh", epochs: 1) with { Lr = 1e-30, Seed = 9 };
        new Trainer(fresh).Run(TestContext.Current.CancellationToken);

        var start = FaceParse.Inference.SegmentationModel.Load(source.ModelPath!).Module.StateDict();
        var a = SafeTensors.Load(Path.Combine(tuned.Out, CheckpointStore.LastFileName)).Tensors;
        var b = SafeTensors.Load(Path.Combine(fresh.Out, CheckpointStore.LastFileName)).Tensors;
        Assert.Contains(lines, l => l.StartsWith("Initialised the weights from", StringComparison.Ordinal));
        foreach (var (key, t) in start)
        {
            var expected = t.ToArray();
            Assert.Equal(expected, a["model." + key].ToArray());
            Assert.NotEqual(expected, b["model." + key].ToArray());
        }
    }

    [Fact]
    public void InitFromAnotherConfigurationFailsBeforeTraining()
    {
        var options = Options("init-mismatch", epochs: 1);
        string other = Path.Combine(_data.Root, "small.safetensors");
        FaceParse.Inference.SegmentationModel.CreateNew("fp-liif-small", LabelSets.CelebAMaskHq, 32, seed: 1).Save(other);
        var e = Assert.Throws<ArgumentException>(() => new Trainer(options with { Init = other }).Run(TestContext.Current.CancellationToken));
        Assert.Contains("--init", e.Message);
        Assert.False(Directory.Exists(options.Out), "a refused --init must not leave a run directory behind");

        var missing = Assert.ThrowsAny<Exception>(() => new Trainer(options with { Init = Path.Combine(_data.Root, "no-such.safetensors") }).Run(TestContext.Current.CancellationToken));
        Assert.Contains("no-such", missing.Message);
        Assert.False(Directory.Exists(options.Out));
    }

    private sealed class Collect(List<TrainingProgress> into, Action<TrainingProgress>? also = null) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            into.Add(value);
            also?.Invoke(value);
        }
    }
}
