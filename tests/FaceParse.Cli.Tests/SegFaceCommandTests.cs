using System.Text.Json;
using FaceParse.Architectures.SegFace;
using FaceParse.Inference;
using FaceParse.Labels;
using FaceParse.Tensors;
using FaceParse.Tensors.Serialization.PyTorch;
using FaceParse.Tensors.Tests.Checkpoints;

namespace FaceParse.Cli.Tests;

/// <summary>SegFace through the command line and the PyTorch-checkpoint route: parameter counts in <c>info</c>, an
/// official-layout model_299.pt (state_dict_backbone + optimizer + scheduler Counter, real zip format) giving the same
/// logits as the safetensors route, and every bad-input message.</summary>
[Collection("cli")]
public sealed class SegFaceCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("segface-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("segface-mobilenet", "lapa", 7_034)]      // the paper's 7.034 M (11-token model)
    [InlineData("segface-resnet101", "lapa", 47_254)]     // the paper's 47.254 M
    [InlineData("segface-mobilenet", null, 7_036)]        // 19 CelebAMask-HQ tokens: 8·256 more
    public void InfoReportsThePapersParameterCount(string preset, string? labels, long thousands)
    {
        string[] args = labels is null ? ["info", "--model", preset, "--json"] : ["info", "--model", preset, "--labels", labels, "--json"];
        var (exit, stdout, stderr) = CliHarness.Run(args);
        Assert.True(exit == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal("segface", doc.RootElement.GetProperty("architecture").GetString());
        Assert.Equal(512, doc.RootElement.GetProperty("input_size").GetInt32());
        Assert.Equal(thousands, (long)Math.Round(doc.RootElement.GetProperty("parameters").GetInt64() / 1000.0));
    }

    // An official-layout checkpoint: {"epoch", "state_dict_backbone", "optimizer", "scheduler"} with a Counter of milestones.
    private static string WriteOfficialPt(string path, IEnumerable<KeyValuePair<string, Tensor>> state)
    {
        var writer = new TorchZipWriter();
        var dict = new PickleDict("collections.OrderedDict");
        foreach (var (key, t) in state) dict.Items[key] = writer.Float(t.ToArray(), [.. t.Shape.ToArray().Select(d => (long)d)]);
        var milestones = new PickleDict("collections.Counter");
        milestones.Items[80L] = 1L;
        milestones.Items[200L] = 1L;
        var scheduler = new PickleDict("dict");
        scheduler.Items["milestones"] = milestones;
        scheduler.Items["gamma"] = 0.1;
        var optimizer = new PickleDict("dict");
        optimizer.Items["state"] = new PickleDict("dict");
        var root = new PickleDict("dict");
        root.Items["epoch"] = 299L;
        root.Items["state_dict_backbone"] = dict;
        root.Items["optimizer"] = optimizer;
        root.Items["scheduler"] = scheduler;
        writer.Save(path, root);
        return path;
    }

    private static SegmentationModel RandomMobileNet() => SegmentationModel.CreateNew("segface-mobilenet", LabelSets.SegFace, 64, seed: 5);

    [Fact]
    public void OfficialPtLoadsAndGivesTheSafetensorsLogits()
    {
        var model = RandomMobileNet();
        string st = Path.Combine(_dir, "model.safetensors");
        model.Save(st);
        string pt = WriteOfficialPt(Path.Combine(_dir, "model_299.pt"), model.Module.StateDict());

        var fromPt = SegmentationModel.Load(pt);
        var fromSt = SegmentationModel.Load(st);
        Assert.Equal("segface", fromPt.Description.Labels);
        Assert.Equal(model.ParameterCount, fromPt.ParameterCount);
        var rgb = Tensor.Uniform(new Random(6), 0f, 1f, 1, 3, 64, 48);
        float[] a, b;
        using (FaceParse.Tensors.GradMode.NoGrad())
        {
            a = fromPt.Forward(rgb, 64, 48).ToArray();
            b = fromSt.Forward(rgb, 64, 48).ToArray();
        }
        Assert.Equal(b, a); // same weights, same path: bitwise equal

        var (exit, stdout, stderr) = CliHarness.Run("info", "--model", pt, "--json");
        Assert.True(exit == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal(7_035_824, doc.RootElement.GetProperty("parameters").GetInt64());
        Assert.Equal("mobilenet", doc.RootElement.GetProperty("config").GetProperty("backbone").GetString());

        string converted = Path.Combine(_dir, "converted.safetensors");
        (exit, stdout, stderr) = CliHarness.Run("convert", "--from", pt, "--to", converted, "--as-model", "--arch", "segface-mobilenet");
        Assert.True(exit == 0, stderr);
        Assert.Contains("7035824 parameters", stdout);
        using (FaceParse.Tensors.GradMode.NoGrad())
            Assert.Equal(b, SegmentationModel.Load(converted).Forward(rgb, 64, 48).ToArray());
        string photo = Path.Combine(_dir, "photo.png");
        FaceParse.Imaging.ImageCodec.Save(photo, FaceParse.Tests.Inference.TinyModels.Photo(40, 36, seed: 3));
        (exit, _, stderr) = CliHarness.Run("segment", photo, "-o", Path.Combine(_dir, "out"), "--model", pt, "--size", "64");
        Assert.True(exit == 0, stderr);
        Assert.True(File.Exists(Path.Combine(_dir, "out", "photo.labels.png")));
        (exit, _, stderr) = CliHarness.Run("convert", "--from", pt, "--to", Path.Combine(_dir, "x.safetensors"), "--as-model", "--arch", "segface-swin_b");
        Assert.Equal(1, exit);
        Assert.Contains("backbone mobilenet", stderr);
        Assert.Contains("segface-swin_b", stderr);
    }

    [Fact]
    public void LapaCheckpointCarriesFacersAlignmentAndTanhWarp()
    {
        var lapa = SegmentationModel.CreateNew("segface-mobilenet", LabelSets.LaPa, 64, seed: 8);
        string pt = WriteOfficialPt(Path.Combine(_dir, "lapa.pt"), lapa.Module.StateDict());
        var loaded = PyTorchImport.Load(pt);
        Assert.Equal("lapa", loaded.Description.Labels);
        Assert.Equal(0.8, loaded.Description.FaceWarp);
        Assert.Equal([196.0 / 512, 226.0 / 512, 316.0 / 512, 226.0 / 512, 256.0 / 512, 286.0 / 512, 220.0 / 512, 360.4 / 512, 292.0 / 512, 360.4 / 512],
            loaded.Description.FaceTemplate!);
        Assert.Null(PyTorchImport.Load(WriteOfficialPt(Path.Combine(_dir, "celeb.pt"), RandomMobileNet().Module.StateDict())).Description.FaceWarp);

        // the conversion keeps them, and describe can change or remove the warp
        string converted = Path.Combine(_dir, "lapa.safetensors");
        var (exit, _, stderr) = CliHarness.Run("convert", "--from", pt, "--to", converted, "--as-model");
        Assert.True(exit == 0, stderr);
        Assert.Equal(0.8, SegmentationModel.Load(converted).Description.FaceWarp);
        (exit, var stdout, stderr) = CliHarness.Run("describe", converted, "-o", converted, "--face-warp", "0.5");
        Assert.True(exit == 0, stderr);
        Assert.Contains("tanh face warp 0.5", stdout);
        Assert.Equal(0.5, SegmentationModel.Load(converted).Description.FaceWarp);
        (exit, _, stderr) = CliHarness.Run("describe", converted, "-o", converted, "--face-warp", "1.5");
        Assert.Equal(1, exit);
        Assert.Contains("--face-warp", stderr);
        (exit, _, stderr) = CliHarness.Run("describe", converted, "-o", converted, "--face-warp", "none");
        Assert.True(exit == 0, stderr);
        Assert.Null(SegmentationModel.Load(converted).Description.FaceWarp);
    }

    [Fact]
    public void ArchNamesThePresetAModelMustBe()
    {
        string pt = WriteOfficialPt(Path.Combine(_dir, "model_299.pt"), RandomMobileNet().Module.StateDict());
        string photo = Path.Combine(_dir, "photo.png");
        FaceParse.Imaging.ImageCodec.Save(photo, FaceParse.Tests.Inference.TinyModels.Photo(40, 36, seed: 4));
        var (exit, _, stderr) = CliHarness.Run("segment", photo, "-o", Path.Combine(_dir, "out"), "--model", pt, "--arch", "segface-mobilenet", "--size", "64", "--faces", "whole");
        Assert.True(exit == 0, stderr);
        (exit, _, stderr) = CliHarness.Run("segment", photo, "-o", Path.Combine(_dir, "out2"), "--model", pt, "--arch", "segface-resnet101", "--size", "64");
        Assert.Equal(1, exit);
        Assert.Contains("backbone mobilenet", stderr);
        Assert.Contains("segface-resnet101", stderr);
        Assert.False(File.Exists(Path.Combine(_dir, "out2", "photo.labels.png")));

        // a model file records its preset: the same one passes, another is refused naming both
        Assert.Equal("fp-liif-small", SegmentationModel.PresetOf(ModelRegistry.Load("default").Description));
        Assert.Equal("fp-liif-small-celebamask-mini", ModelRegistry.Load("default", "fp-liif-small").Name);
        var e = Assert.Throws<ArgumentException>(() => ModelRegistry.Load("default", "fp-liif"));
        Assert.Contains("holds fp-liif-small", e.Message);
        Assert.Contains("not fp-liif.", e.Message);
        (exit, _, stderr) = CliHarness.Run("export", "--model", "default", "--arch", "segface-mobilenet", "--onnx", Path.Combine(_dir, "x.onnx"));
        Assert.Equal(1, exit);
        Assert.Contains("not segface-mobilenet", stderr);
        Assert.False(File.Exists(Path.Combine(_dir, "x.onnx")));
    }

    [Fact]
    public void DataParallelPrefixIsRemoved()
    {
        var model = RandomMobileNet();
        string pt = WriteOfficialPt(Path.Combine(_dir, "ddp.pt"), model.Module.StateDict().Select(kv => KeyValuePair.Create("module." + kv.Key, kv.Value)));
        Assert.Equal(model.ParameterCount, PyTorchImport.Load(pt).ParameterCount);
    }

    [Fact]
    public void CheckpointOfAnotherBackboneOrLabelCountNamesBoth()
    {
        string pt = WriteOfficialPt(Path.Combine(_dir, "mobilenet.pt"), RandomMobileNet().Module.StateDict());
        var e = Assert.Throws<ArgumentException>(() => PyTorchImport.Load(pt, preset: "segface-resnet101"));
        Assert.Contains("backbone mobilenet", e.Message);
        Assert.Contains("segface-resnet101", e.Message);
        var l = Assert.Throws<ArgumentException>(() => PyTorchImport.Load(pt, labels: "lapa"));
        Assert.Contains("19", l.Message);
        Assert.Contains("'lapa' has 11", l.Message);
    }

    [Fact]
    public void PtFittingNoArchitectureListsTheClosestMismatches()
    {
        var state = RandomMobileNet().Module.StateDict().ToDictionary(kv => kv.Key == "linear_fuse.weight" ? "linear_fused.weight" : kv.Key, kv => kv.Value);
        string pt = WriteOfficialPt(Path.Combine(_dir, "renamed.pt"), state);
        var (exit, _, stderr) = CliHarness.Run("info", "--model", pt, "--json");
        Assert.Equal(1, exit);
        Assert.Contains("fits no known architecture", stderr);
        Assert.Contains("segface-mobilenet", stderr);
        Assert.Contains("checkpoint 'linear_fused.weight' vs model 'linear_fuse.weight'", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
    }

    [Fact]
    public void StrictLoadListsMissingUnexpectedAndMisshapedKeys()
    {
        var state = RandomMobileNet().Module.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value);
        state.Remove("backbone.5.block.0.1.running_var");
        state["face_decoder.extra.weight"] = Tensor.Zeros(2);
        state["linear_c.0.proj.bias"] = Tensor.Zeros(255);
        string pt = WriteOfficialPt(Path.Combine(_dir, "broken.pt"), state);
        var e = Assert.Throws<InvalidDataException>(() => SegmentationModel.Load(pt));
        Assert.Contains("missing keys (1): 'backbone.5.block.0.1.running_var' [120]", e.Message);
        Assert.Contains("face_decoder.extra.weight", e.Message);
        Assert.Contains("'linear_c.0.proj.bias': checkpoint has shape [255], the model expects [256]", e.Message);
    }

    [Fact]
    public void AbsurdSizeIsAClearErrorBeforeTheForward()
    {
        var model = RandomMobileNet();
        var e = Assert.Throws<ArgumentException>(() => model.Forward(Tensor.Zeros(1, 3, 16, 16), 16, 16));
        Assert.Contains("32..2048", e.Message);
        string st = Path.Combine(_dir, "m.safetensors");
        model.Save(st);
        var (exit, _, stderr) = CliHarness.Run("bench", "model", "--model", st, "--size", "100000");
        Assert.Equal(1, exit);
        Assert.Contains("8..4096", stderr);
    }
}
