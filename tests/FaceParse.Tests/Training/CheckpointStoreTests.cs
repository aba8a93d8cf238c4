using FaceParse.Labels;
using FaceParse.Nn;
using FaceParse.Nn.Optimizers;
using FaceParse.Tensors;
using FaceParse.Tensors.Serialization;
using FaceParse.Training;

namespace FaceParse.Tests.Training;

/// <summary>Two parameters, enough to give AdamW state.</summary>
internal sealed class TinyModel : Module
{
    public TinyModel(VarBuilder vb)
    {
        Weight = Param(vb, "weight", [2, 3], Init.TorchDefault);
        Bias = Param(vb, "bias", [2], Init.Zeros);
    }

    public Tensor Weight { get; }
    public Tensor Bias { get; }
}

/// <summary>A stream that fails like a full disk after some bytes.</summary>
internal sealed class FailingStream(int failAfter) : MemoryStream
{
    public override void Write(ReadOnlySpan<byte> buffer) => Write(buffer.ToArray(), 0, buffer.Length);

    public override void Write(byte[] buffer, int offset, int count)
    {
        if (Length + count > failAfter) throw new IOException("No space left on device");
        base.Write(buffer, offset, count);
    }
}

public sealed class CheckpointStoreTests : IDisposable
{
    private const string Config = """{"model":"fp-liif","lr":0.0001,"epochs":3}""";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "faceparse-ckpt-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static (TinyModel Model, AdamW Optimizer) Trained(int seed)
    {
        var model = new TinyModel(VarBuilder.Init(seed));
        var optimizer = new AdamW([ParamGroup.Of(model)], lr: 0.1);
        for (int step = 0; step < 2; step++)
        {
            model.Weight.Grad = Tensor.Full(0.5f + step, 2, 3);
            model.Bias.Grad = Tensor.Full(-1f, 2);
            optimizer.Step();
        }
        return (model, optimizer);
    }

    private static CheckpointInfo Info(Xoshiro256 rng, int epoch = 2) =>
        CheckpointInfo.Create("fp-liif", epoch, 40, 0.81, rng, Config, LabelSets.CelebAMaskHq);

    [Fact]
    public void ResumeRestoresModelOptimiserAndRngExactly()
    {
        var (model, optimizer) = Trained(1);
        var rng = new Xoshiro256(5);
        rng.NextUInt64();
        var store = new CheckpointStore(_dir);
        store.SaveLast(Info(rng), model, optimizer);
        var expectedDraws = Enumerable.Range(0, 5).Select(_ => rng.NextUInt64()).ToArray();

        var fresh = new TinyModel(VarBuilder.Init(99));
        var freshOptimizer = new AdamW([ParamGroup.Of(fresh)], lr: 0.1);
        var checkpoint = new CheckpointStore(_dir).LoadForResume("fp-liif", LabelSets.CelebAMaskHq, """{ "epochs": 3, "lr": 1e-4, "model": "fp-liif" }""");
        var restoredRng = checkpoint.Restore(fresh, freshOptimizer);

        Assert.Equal(model.Weight.ToArray(), fresh.Weight.ToArray());
        Assert.Equal(model.Bias.ToArray(), fresh.Bias.ToArray());
        Assert.Equal(2, freshOptimizer.StateOf("weight").Step);
        foreach (var (key, t) in optimizer.StateDict()) Assert.Equal(t.ToArray(), freshOptimizer.StateDict()[key].ToArray());
        Assert.Equal(expectedDraws, Enumerable.Range(0, 5).Select(_ => restoredRng.NextUInt64()));
        Assert.Equal((2, 40L, 0.81), (checkpoint.Info.Epoch, checkpoint.Info.GlobalStep, checkpoint.Info.BestMetric));
        Assert.Contains("model.weight", SafeTensors.Load(store.LastPath).Tensors.Keys);
        Assert.Contains("optim.state.weight.exp_avg", SafeTensors.Load(store.LastPath).Tensors.Keys);
    }

    [Fact]
    public void ACheckpointOfAnotherModelLabelSetOrConfigIsRejectedClearly()
    {
        var (model, optimizer) = Trained(1);
        var store = new CheckpointStore(_dir);
        store.SaveLast(Info(new Xoshiro256(1)), model, optimizer);
        var wrongModel = Assert.Throws<CheckpointMismatchException>(() => store.LoadForResume("segface", LabelSets.CelebAMaskHq, Config));
        Assert.Contains("model 'fp-liif', expected 'segface'", wrongModel.Message);
        var wrongLabels = Assert.Throws<CheckpointMismatchException>(() => store.LoadForResume("fp-liif", LabelSets.LaPa, Config));
        Assert.Contains("label set 'celebamask-hq'", wrongLabels.Message);
        var wrongConfig = Assert.Throws<CheckpointMismatchException>(() =>
            store.LoadForResume("fp-liif", LabelSets.CelebAMaskHq, """{"model":"fp-liif","lr":0.001,"epochs":3}"""));
        Assert.Contains("configuration differs in lr", wrongConfig.Message);
        Assert.Contains(store.LastPath, wrongConfig.Message);
    }

    [Fact]
    public void AFailedWriteKeepsThePreviousCheckpointByteIdentical()
    {
        var (model, optimizer) = Trained(1);
        new CheckpointStore(_dir).SaveLast(Info(new Xoshiro256(1), epoch: 1), model, optimizer);
        var before = File.ReadAllBytes(Path.Combine(_dir, CheckpointStore.LastFileName));

        var failing = new CheckpointStore(_dir, _ => new FailingStream(failAfter: 100));
        var error = Assert.Throws<IOException>(() => failing.SaveLast(Info(new Xoshiro256(2), epoch: 2), model, optimizer));
        Assert.Contains("No space left on device", error.Message);
        Assert.Contains("unchanged", error.Message);
        Assert.Equal(before, File.ReadAllBytes(failing.LastPath));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
        Assert.Equal(1, CheckpointStore.Load(failing.LastPath).Info.Epoch);
    }

    [Fact]
    public void LeftoverTempFilesOfAKilledRunAreRemovedAndNeverLoaded()
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllBytes(Path.Combine(_dir, "last.safetensors.tmp"), [1, 2, 3]);
        var store = new CheckpointStore(_dir);
        Assert.Equal(1, store.LeftoversRemoved);
        Assert.Null(store.TryLoadLast());
        Assert.Throws<FileNotFoundException>(() => store.LoadForResume("fp-liif", LabelSets.CelebAMaskHq, Config));
    }

    [Fact]
    public void BestAndDamagedCheckpoints()
    {
        var (model, optimizer) = Trained(3);
        var store = new CheckpointStore(_dir);
        store.SaveBest(Info(new Xoshiro256(1)), model, optimizer);
        Assert.Equal(0.81, CheckpointStore.Load(store.BestPath).Info.BestMetric);
        var bytes = File.ReadAllBytes(store.BestPath);
        File.WriteAllBytes(store.LastPath, bytes[..(bytes.Length / 2)]);
        var damaged = Assert.Throws<InvalidDataException>(() => CheckpointStore.Load(store.LastPath));
        Assert.Contains(store.LastPath, damaged.Message);
        SafeTensors.Save(store.LastPath, new Dictionary<string, Tensor> { ["x"] = Tensor.Zeros(1) });
        Assert.Throws<CheckpointMismatchException>(() => CheckpointStore.Load(store.LastPath));
    }
}
