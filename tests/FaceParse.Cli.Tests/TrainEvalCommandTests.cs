using System.Text.Json;
using FaceParse.Inference;
using FaceParse.Labels;
using FaceParse.Tensors;
using FaceParse.Tests.Training;

namespace FaceParse.Cli.Tests;

/// <summary>`faceparse train` and `faceparse eval` on generated 32×32 folder datasets with fp-liif-tiny.</summary>
[Collection("cli")]
public sealed class TrainEvalCommandTests : IDisposable
{
    private static readonly string[] Scene = ["background", "skin", "nose", "hair"];
    private readonly SyntheticFaceSet _data = new(count: 8, size: 32, classes: Ids(LabelSets.CelebAMaskHq), valCount: 4);

    public void Dispose() => _data.Dispose();

    private static byte[] Ids(LabelSet set) => [.. Scene.Select(n => (byte)set.IdOf(n))];

    private string[] TrainArgs(string run) =>
    [
        "train", "--model", "fp-liif-tiny", "--data", _data.Root, "--layout", "folder", "--labels", "celebamask-hq",
        "--split-train", _data.TrainSplit, "--split-val", _data.ValSplit, "--size", "32", "--epochs", "1", "--eval-size", "32",
        "--batch-size", "2", "--queries", "128", "--out", _data.NewRunDir(run), "--progress-interval", "0", "--threads", "2",
    ];

    [Fact]
    public void TrainWritesAModelAndRefusesToOverwriteTheRun()
    {
        var (exit, _, stderr) = CliHarness.Run(TrainArgs("cli"));
        Assert.True(exit == 0, stderr);
        Assert.Contains("epoch 1/1  step 2/2", stderr);
        Assert.Contains("Done: 1 epoch(s), best val mean F1", stderr);
        string model = Path.Combine(_data.NewRunDir("cli"), "model.safetensors");
        Assert.Contains("faceparse train --model fp-liif-tiny", SegmentationModel.Load(model).Description.Notes);

        (exit, _, stderr) = CliHarness.Run(TrainArgs("cli"));
        Assert.Equal(1, exit);
        Assert.Contains("--resume", stderr);
    }

    [Fact]
    public void TrainOnTheWrongLayoutIsAOneLineError()
    {
        var args = TrainArgs("layout");
        args[Array.IndexOf(args, "folder")] = "helen";
        args[Array.IndexOf(args, "celebamask-hq")] = "helen";
        var (exit, _, stderr) = CliHarness.Run(args);
        Assert.Equal(1, exit);
        Assert.StartsWith("faceparse: error: Helen split must be", stderr);
    }

    [Fact]
    public void EvalWritesTheJsonReport()
    {
        string model = Path.Combine(_data.Root, "tiny.safetensors");
        SegmentationModel.CreateNew("fp-liif-tiny", LabelSets.CelebAMaskHq, 32, seed: 1).Save(model);
        string json = Path.Combine(_data.Root, "report.json");
        var (exit, stdout, stderr) = CliHarness.Run("eval", "--model", model, "--data", _data.Root, "--split", _data.ValSplit,
            "--eval-size", "32", "--json", json);
        Assert.True(exit == 0, stderr);
        Assert.Equal("", stdout);
        Assert.Contains("mean F1 (excl. background)", stderr);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var root = doc.RootElement;
        Assert.Equal(["model", "images", "eval_size", "mean_f1", "miou", "per_class"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(4, root.GetProperty("images").GetInt32());
        Assert.Equal(32, root.GetProperty("eval_size").GetInt32());
        var perClass = root.GetProperty("per_class");
        Assert.Equal(LabelSets.CelebAMaskHq.Classes.Select(c => c.Name), perClass.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["f1", "iou", "gt_pixels", "pred_pixels"], perClass.GetProperty("skin").EnumerateObject().Select(p => p.Name));
        Assert.Equal(4L * 32 * 32, perClass.EnumerateObject().Sum(p => p.Value.GetProperty("pred_pixels").GetInt64()));

        (exit, stdout, _) = CliHarness.Run("eval", "--model", model, "--data", _data.Root, "--split", _data.ValSplit, "--eval-size", "native", "--limit", "2");
        Assert.Equal(0, exit);
        using var native = JsonDocument.Parse(stdout);
        Assert.Equal(JsonValueKind.Null, native.RootElement.GetProperty("eval_size").ValueKind);
        Assert.Equal(2, native.RootElement.GetProperty("images").GetInt32());
    }

    [Fact]
    public void EvalResolvesARegisteredModelName()
    {
        var (exit, stdout, stderr) = CliHarness.Run("eval", "--model", "default", "--data", _data.Root, "--split", _data.ValSplit,
            "--eval-size", "32", "--limit", "1");
        Assert.True(exit == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal(ModelRegistry.DefaultModelName, doc.RootElement.GetProperty("model").GetString());
        Assert.Equal(1, doc.RootElement.GetProperty("images").GetInt32());
    }

    /// <summary>A celebamask-hq model that predicts l_eye (subject's left) everywhere, scored on a LaPa-ordered dataset: every
    /// pixel must count as LaPa right_eye (image right = subject's left), the mapping by class meaning.</summary>
    [Fact]
    public void EvalMapsPredictionsIntoTheDatasetsLabelSetByName()
    {
        using var lapa = new SyntheticFaceSet(count: 3, size: 32, classes: Ids(LabelSets.LaPa), valCount: 3);
        string model = Path.Combine(lapa.Root, "constant.safetensors");
        WriteConstantModel(model, LabelSets.CelebAMaskHq.IdOf("l_eye"));
        var (exit, stdout, stderr) = CliHarness.Run("eval", "--model", model, "--data", lapa.Root, "--labels", "lapa", "--eval-size", "32");
        Assert.True(exit == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var perClass = doc.RootElement.GetProperty("per_class");
        Assert.Equal(LabelSets.LaPa.Classes.Select(c => c.Name), perClass.EnumerateObject().Select(p => p.Name));
        Assert.Equal(3L * 32 * 32, perClass.GetProperty("right_eye").GetProperty("pred_pixels").GetInt64());
        Assert.True(perClass.GetProperty("skin").GetProperty("gt_pixels").GetInt64() > 0);
    }

    // fp-liif-tiny whose last layer ignores its input and always favours class `id`.
    private static void WriteConstantModel(string path, int id)
    {
        var model = SegmentationModel.CreateNew("fp-liif-tiny", LabelSets.CelebAMaskHq, 32, seed: 2);
        var weights = model.Module.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.Clone());
        string last = weights.Keys.Where(k => k.StartsWith("decoder.mlp.", StringComparison.Ordinal) && k.EndsWith(".bias", StringComparison.Ordinal)).Order(StringComparer.Ordinal).Last();
        var bias = new float[19];
        bias[id] = 10f;
        weights[last] = Tensor.FromArray(bias, 19);
        string lastWeight = last[..^".bias".Length] + ".weight";
        weights[lastWeight] = Tensor.Zeros([.. weights[lastWeight].Shape]);
        ModelFile.Save(path, model.Description, weights);
    }
}
