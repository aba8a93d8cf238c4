using FaceParse.Imaging;
using FaceParse.Inference;
using FaceParse.Labels;
using FaceParse.OnnxRuntime;
using FaceParse.Tensors;
using FaceParse.Tests.Inference;
using FaceParse.Tests.Onnx;
using FaceParse.Training;

namespace FaceParse.Cli.Tests;

/// <summary>`faceparse export`, `run` and `segment --engine onnxruntime` on a SegFace model (a seeded segface-mobilenet saved
/// to a temporary model file: `export --model` takes model files and registered names, not presets), checked through
/// ONNX Runtime in-process.</summary>
[Collection("cli")]
public sealed class SegFaceOnnxCommandsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("faceparse-segface-onnx-cli-").FullName;
    private readonly string _model;

    public SegFaceOnnxCommandsTests()
    {
        _model = PathOf("segface-mobilenet-seeded" + ModelRegistry.Extension);
        SegmentationModel.CreateNew("segface-mobilenet", LabelSets.CelebAMaskHq, 64, seed: 9).Save(_model, notes: "seeded test model");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    [Fact]
    public void TheExportedGraphInOnnxRuntimeMatchesRunOnTheSameInput()
    {
        Ort.Require();
        var (exit, stdout, stderr) = CliHarness.Run("export", "--model", _model, "--onnx", PathOf("m.onnx"), "--size", "64", "--out-size", "48");
        Assert.True(exit == 0, stderr);
        Assert.Contains("(segface, opset 17)", stdout);
        Assert.Contains("logits [N,19,48,48]", stdout);
        string input = PathOf("in.npy");
        Npy.Write(input, Tensor.FromArray(Ort.Random(new Random(4), 2 * 3 * 64 * 64, 0.5f).Select(v => v + 0.5f).ToArray(), 2, 3, 64, 64));
        (exit, _, stderr) = CliHarness.Run("run", "--model", _model, "--input", input, "--output", PathOf("ours.npy"), "--out-size", "48");
        Assert.True(exit == 0, stderr);

        var ours = Npy.Read(PathOf("ours.npy"));
        using var session = new OrtSession(File.ReadAllBytes(PathOf("m.onnx")), threads: 1);
        var (theirs, shape) = session.Run("image", Npy.Read(input).ToArray(), [2, 3, 64, 64]);
        Assert.Equal([2L, 19, 48, 48], shape);
        double rel = Ort.RelativeL2(theirs, ours.ToArray());
        Assert.True(rel <= 1e-4, $"relative L2 {rel:E2}");
        Assert.True(Ort.ArgMaxAgreement(theirs, ours.ToArray(), 2, 19, 48 * 48) >= 0.999);
        Assert.Equal("mobilenet", session.Metadata["faceparse.segface.backbone"]);
    }

    [Fact]
    public void AnOpsetBelowSeventeenExitsOneNamingLayerNormalizationAndLeavesNoFile()
    {
        var (exit, _, stderr) = CliHarness.Run("export", "--model", _model, "--onnx", PathOf("old.onnx"), "--size", "64", "--opset", "16");
        Assert.Equal(1, exit);
        Assert.Contains("LayerNormalization", stderr);
        Assert.False(File.Exists(PathOf("old.onnx")));
        Assert.False(File.Exists(PathOf("old.onnx") + AtomicFile.TempSuffix));
    }

    [Fact]
    public void SegmentOnOnnxRuntimeGivesTheManagedEnginesLabels()
    {
        Ort.Require();
        string photo = PathOf("face.png");
        ImageCodec.Save(photo, TinyModels.Photo(72, 60, seed: 3));
        var (managed, ort) = OnnxCommandsTests.SegmentOnBothEngines(photo, _dir, "--model", _model);
        double agree = OnnxCommandsTests.Agreement(managed, ort);
        Assert.True(agree >= 0.999, $"labels agree on {agree:P2}");
        Assert.True(managed.Distinct().Count() > 1, "the seeded model gives more than one label (else agreement says little)");
    }
}
