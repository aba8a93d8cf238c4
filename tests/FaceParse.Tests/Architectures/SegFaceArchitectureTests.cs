using FaceParse.Architectures;
using FaceParse.Architectures.SegFace;
using FaceParse.Inference;
using FaceParse.Labels;
using FaceParse.Tests.Training;
using FaceParse.Training;

namespace FaceParse.Tests.Architectures;

/// <summary>SegFace in the architecture table: presets, the official recipe as defaults, and a short Trainer run (the same
/// code path as `faceparse train --model segface-mobilenet`) that learns and writes a loadable model.</summary>
public sealed class SegFaceArchitectureTests : IDisposable
{
    private readonly SyntheticFaceSet _data = new(count: 8, size: 32, classes: TrainerTests.Ids(LabelSets.CelebAMaskHq, "background", "skin", "nose", "hair"), valCount: 2);

    public void Dispose() => _data.Dispose();

    [Fact]
    public void PresetsAndRecipeAreTheOfficialOnes()
    {
        string[] presets = ["segface-mobilenet", "segface-resnet101", "segface-efficientnet", "segface-convnext", "segface-swin_b", "segface-swin_v2_b"];
        foreach (var p in presets) Assert.Equal("segface", ArchitectureRegistry.GetPreset(p).Architecture.Name);
        var options = new TrainOptions { Model = "segface-mobilenet", Data = "x", Out = "y" };
        var r = options.Recipe();
        Assert.Equal((1e-4, 1e-5, LrScheduleKind.MultiStep, 0.0), (r.Lr, r.WeightDecay, r.Schedule, r.WarmupEpochs));
        Assert.Equal([80, 200], r.Milestones);
        Assert.Equal(FaceParse.Imaging.Geometry.ResizeMode.Bicubic, r.ImageResize);
        Assert.Equal(512, ArchitectureRegistry.Get("segface").DefaultInputSize);
        var model = SegmentationModel.CreateNew("segface-mobilenet", LabelSets.LaPa, 64, seed: 1);
        Assert.Equal(SegFaceArchitecture.TokensFor(11), ((SegFaceSettings)System.Text.Json.JsonSerializer.Deserialize(model.Description.ConfigJson, typeof(SegFaceSettings), ModelFile.Json)!).Tokens);
        Assert.Equal(Normalization.ImageNet, model.Network.InputNormalization);

        // train.py: AdamW([{"params": model.parameters()}], weight_decay=…) decays biases and norm scales too
        Assert.True(r.DecayAllParameters);
        var groups = Trainer.OptimizerGroups(r, model.Module);
        var group = Assert.Single(groups);
        Assert.Null(group.WeightDecay);
        Assert.Equal(model.Module.NamedParameters().Count(), group.Parameters.Count);
        Assert.Contains("\"decay_all_parameters\":true", options.ConfigJson());
        var fp = new TrainOptions { Model = "fp-liif-small", Data = "x", Out = "y" };
        Assert.False(fp.Recipe().DecayAllParameters);
        var split = Trainer.OptimizerGroups(fp.Recipe(), model.Module);
        Assert.Equal(2, split.Length);
        Assert.Equal(0, split[1].WeightDecay);
        Assert.All(split[1].Parameters, p => Assert.True(p.Value.Rank <= 1));
        Assert.DoesNotContain("decay_all_parameters", fp.ConfigJson());
    }

    [Fact]
    public void TrainerRunLearnsAndWritesALoadableSegFaceModel()
    {
        var options = new TrainOptions
        {
            Model = "segface-mobilenet", Data = _data.Root, Layout = "folder", Labels = "celebamask-hq", SplitTrain = _data.TrainSplit,
            SplitVal = _data.ValSplit, Size = 32, EvalSize = 32, Epochs = 4, BatchSize = 3, Lr = 2e-3, Workers = 1, Seed = 1,
            Out = _data.NewRunDir("segface"), Augment = AugmentOptions.None,
        };
        var result = new Trainer(options).Run(TestContext.Current.CancellationToken);
        Assert.Equal(4, result.EpochsCompleted);
        var rows = new TrainingLog(options.Out).Rows;
        Assert.True(rows[^1].TrainLoss < rows[0].TrainLoss, $"loss {rows[0].TrainLoss} → {rows[^1].TrainLoss}");
        var model = SegmentationModel.Load(result.ModelPath!);
        Assert.Equal("segface", model.Description.Architecture);
        Assert.False(model.Module.Training); // loaded for inference: batch norm on running statistics
        using var _ = FaceParse.Tensors.GradMode.NoGrad();
        var logits = model.Forward(FaceParse.Tensors.Tensor.Uniform(new Random(2), 0f, 1f, 1, 3, 32, 32), 40, 36);
        Assert.Equal([1, 19, 40, 36], logits.Shape.ToArray());
    }

    [Fact]
    public void StochasticDepthMasksFollowTheRunsGenerator()
    {
        // efficientnet_v2_m drops residual blocks while training: the same context seed gives the same loss, another seed another.
        var model = SegmentationModel.CreateNew("segface-efficientnet", LabelSets.LaPa, 32, seed: 4);
        var images = FaceParse.Tensors.Tensor.Uniform(new Random(5), 0f, 1f, 2, 3, 32, 32);
        var labels = new FaceParse.Tensors.IntTensor(Enumerable.Range(0, 2 * 32 * 32).Select(i => i % 11).ToArray(), 2, 32, 32);
        float Loss(ulong seed)
        {
            using var _ = FaceParse.Tensors.GradMode.NoGrad();
            return model.Network.TrainingLoss(images, labels, new TrainingStepContext(seed)).ToScalar();
        }
        Assert.Equal(Loss(1), Loss(1));
        Assert.NotEqual(Loss(1), Loss(2));
    }
}
