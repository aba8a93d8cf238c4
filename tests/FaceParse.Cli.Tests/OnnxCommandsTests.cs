using System.Text.Json;
using FaceParse.Imaging;
using FaceParse.OnnxRuntime;
using FaceParse.Tensors;
using FaceParse.Tests.Inference;
using FaceParse.Tests.Onnx;
using FaceParse.Training;

namespace FaceParse.Cli.Tests;

/// <summary>`faceparse export`, `faceparse run` and `segment --engine onnxruntime`, checked through ONNX Runtime in-process.</summary>
[Collection("cli")]
public sealed class OnnxCommandsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("faceparse-onnx-cli-").FullName;
    private readonly string _model;

    public OnnxCommandsTests() => _model = TinyModels.Save(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    private string WriteInput(params int[] shape)
    {
        string path = PathOf("in.npy");
        var values = Ort.Random(new Random(4), shape.Aggregate(1L, (a, d) => a * d), 0.5f).Select(v => v + 0.5f).ToArray();
        Npy.Write(path, Tensor.FromArray(values, shape));
        return path;
    }

    [Fact]
    public void TheExportedGraphInOnnxRuntimeMatchesRunOnTheSameInput()
    {
        Ort.Require();
        var (exit, stdout, stderr) = CliHarness.Run("export", "--model", _model, "--onnx", PathOf("m.onnx"), "--size", "32", "--out-size", "24");
        Assert.True(exit == 0, stderr);
        Assert.Contains("logits [N,11,24,24]", stdout);
        string input = WriteInput(2, 3, 32, 32);
        (exit, _, stderr) = CliHarness.Run("run", "--model", _model, "--input", input, "--output", PathOf("ours.npy"), "--out-size", "24");
        Assert.True(exit == 0, stderr);

        var ours = Npy.Read(PathOf("ours.npy"));
        Assert.Equal([2, 11, 24, 24], ours.Shape);
        using var session = new OrtSession(File.ReadAllBytes(PathOf("m.onnx")), threads: 1);
        var (theirs, shape) = session.Run("image", Npy.Read(input).ToArray(), [2, 3, 32, 32]);
        Assert.Equal([2L, 11, 24, 24], shape);
        double rel = Ort.RelativeL2(theirs, ours.ToArray());
        Assert.True(rel <= 1e-4, $"relative L2 {rel:E2}");
        Assert.True(Ort.ArgMaxAgreement(theirs, ours.ToArray(), 2, 11, 24 * 24) >= 0.999);
    }

    [Theory]
    [InlineData("--opset", "99", "opset 99")]
    [InlineData("--out-size", "0", "output height 0")]
    public void AnExportThatCannotBeWrittenExitsOneAndLeavesNoFile(string option, string value, string named)
    {
        var (exit, _, stderr) = CliHarness.Run("export", "--model", _model, "--onnx", PathOf("bad.onnx"), option, value);
        Assert.Equal(1, exit);
        Assert.Contains(named, stderr);
        Assert.False(File.Exists(PathOf("bad.onnx")));
        Assert.False(File.Exists(PathOf("bad.onnx") + AtomicFile.TempSuffix));
    }

    [Fact]
    public void RunWithRepeatReportsMedianAndMinimum()
    {
        string input = WriteInput(1, 3, 32, 32);
        var (exit, stdout, stderr) = CliHarness.Run("run", "--model", _model, "--input", input, "--output", PathOf("o.npy"), "--repeat", "3", "--json");
        Assert.True(exit == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        double median = doc.RootElement.GetProperty("median_ms").GetDouble(), min = doc.RootElement.GetProperty("min_ms").GetDouble();
        Assert.True(min > 0 && median >= min, $"median {median}, min {min}");
        Assert.Equal([1, 11, 32, 32], Npy.Read(PathOf("o.npy")).Shape);
    }

    [Fact]
    public void RunRefusesAnInputThatIsNotNx3xHxW()
    {
        string input = WriteInput(1, 4, 8, 8);
        var (exit, _, stderr) = CliHarness.Run("run", "--model", _model, "--input", input, "--output", PathOf("o.npy"));
        Assert.Equal(1, exit);
        Assert.Contains("expected float32 [N, 3, H, W]", stderr);
        Assert.False(File.Exists(PathOf("o.npy")));
    }

    [Fact]
    public void SegmentOnOnnxRuntimeGivesTheManagedEnginesLabels()
    {
        Ort.Require();
        string photo = PathOf("face.png");
        ImageCodec.Save(photo, TinyModels.Photo(40, 34, seed: 3));
        var (managed, ort) = SegmentOnBothEngines(photo, _dir, "--model", _model);
        Assert.True(Agreement(managed, ort) >= 0.999, $"labels agree on {Agreement(managed, ort):P2}");
    }

    /// <summary>`segment PHOTO --emit labels` on ONNX Runtime and on the managed engine (outputs under dir/ort, dir/managed);
    /// both label maps, after checking both runs succeeded and the first said it ran on ONNX Runtime.</summary>
    internal static (byte[] Managed, byte[] Ort) SegmentOnBothEngines(string photo, string dir, params string[] extra)
    {
        var (exit, stdout, stderr) = CliHarness.Run(["segment", photo, "-o", Path.Combine(dir, "ort"), "--emit", "labels", "--engine", "onnxruntime", .. extra]);
        Assert.True(exit == 0, stderr);
        Assert.Contains("on onnxruntime 1.", stdout);
        (exit, _, stderr) = CliHarness.Run(["segment", photo, "-o", Path.Combine(dir, "managed"), "--emit", "labels", .. extra]);
        Assert.True(exit == 0, stderr);
        string name = Path.GetFileNameWithoutExtension(photo) + ".labels.png";
        byte[] ort = ImageCodec.Load(Path.Combine(dir, "ort", name)).ToLabelMap(), managed = ImageCodec.Load(Path.Combine(dir, "managed", name)).ToLabelMap();
        Assert.Equal(managed.Length, ort.Length);
        return (managed, ort);
    }

    internal static double Agreement(byte[] a, byte[] b) => a.Zip(b).Count(p => p.First == p.Second) / (double)a.Length;

    [Fact]
    public void SegmentAutoModeRunsTheAlignedFaceOnOnnxRuntime()
    {
        Ort.Require();
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "FaceParse.slnx"))) root = Path.GetDirectoryName(root)!;
        string photo = Path.Combine(root, "docs", "sample", "astronaut.png");
        var (managed, ort) = SegmentOnBothEngines(photo, PathOf("auto"));
        // ORT decodes the aligned frame at the input size and the labels are warped back; the managed engine queries its
        // continuous decoder at each photo pixel: the two agree on nearly every pixel, and the face is parsed (not background).
        double agree = Agreement(managed, ort);
        Assert.True(agree >= 0.97, $"labels agree on {agree:P2}");
        Assert.True(ort.Count(v => v != 0) > ort.Length / 50, "the face region is labelled");
        Assert.NotEqual(managed, ort); // ORT's logits were used (identical labels would mean the engine was bypassed)
    }

    [Fact]
    public void BenchModelCompareOnnxRuntimeChecksAgreementThenTimesBothEngines()
    {
        Ort.Require();
        var (exit, stdout, stderr) = CliHarness.Run("bench", "model", "--model", _model, "--size", "32", "--out-size", "40", "--repeats", "2",
            "--threads", "1", "--compare", "onnxruntime", "--json");
        Assert.True(exit == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var rows = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(2, rows.Count);
        Assert.Equal("faceparse", rows[0].GetProperty("engine").GetString());
        Assert.StartsWith("onnxruntime 1.", rows[1].GetProperty("engine").GetString());
        foreach (var row in rows)
        {
            Assert.Equal(JsonValueKind.Null, row.GetProperty("error").ValueKind);
            Assert.True(row.GetProperty("rel_l2").GetDouble() <= 1e-4);
            Assert.True(row.GetProperty("argmax_agreement").GetDouble() >= 0.999);
            double median = row.GetProperty("median_ms").GetDouble(), min = row.GetProperty("min_ms").GetDouble();
            Assert.True(min > 0 && median >= min, $"median {median}, min {min}");
            Assert.Equal(1, row.GetProperty("threads").GetInt32());
        }
        Assert.Equal(1.0, rows[0].GetProperty("latency_vs_faceparse").GetDouble());
        double ratio = rows[1].GetProperty("latency_vs_faceparse").GetDouble();
        double recomputed = rows[1].GetProperty("median_ms").GetDouble() / rows[0].GetProperty("median_ms").GetDouble();
        // Both figures are rounded to 3 decimals in the JSON, so compare with a tolerance rather than by rounding (which flips at .xx5).
        Assert.True(Math.Abs(recomputed - ratio) <= 0.01 * Math.Max(1, recomputed), $"ratio {ratio} vs medians' ratio {recomputed}");
    }

    [Fact]
    public void WhenOnnxRuntimeCannotRunTheCompareRowSaysWhyAndOursStillRuns()
    {
        Environment.SetEnvironmentVariable(OrtAvailability.DisableVariable, "1");
        try
        {
            var (exit, stdout, stderr) = CliHarness.Run("bench", "model", "--model", _model, "--size", "32", "--out-size", "32", "--repeats", "2",
                "--threads", "1", "--compare", "onnxruntime", "--json");
            Assert.True(exit == 0, stderr);
            using var doc = JsonDocument.Parse(stdout);
            var rows = doc.RootElement.EnumerateArray().ToList();
            Assert.Equal(2, rows.Count);
            Assert.Equal("faceparse", rows[0].GetProperty("engine").GetString());
            Assert.True(rows[0].GetProperty("median_ms").GetDouble() > 0);
            Assert.Equal("onnxruntime", rows[1].GetProperty("engine").GetString());
            Assert.Contains("disabled", rows[1].GetProperty("error").GetString());
            Assert.Equal(JsonValueKind.Null, rows[1].GetProperty("median_ms").ValueKind);

            (exit, _, stderr) = CliHarness.Run("segment", PathOf("none.png"), "-o", PathOf("out"), "--model", _model, "--engine", "onnxruntime");
            Assert.Equal(1, exit);
            Assert.Contains("--engine onnxruntime: ONNX Runtime is disabled", stderr);
            Assert.False(Directory.Exists(PathOf("out")), "nothing is written when the engine cannot run");
        }
        finally { Environment.SetEnvironmentVariable(OrtAvailability.DisableVariable, null); }
    }
}
