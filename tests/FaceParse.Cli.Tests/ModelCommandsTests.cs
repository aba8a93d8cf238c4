using System.Text.Json;
using FaceParse.Tests.Inference;

namespace FaceParse.Cli.Tests;

/// <summary>`bench model` and `info --model` on a tiny model saved to a temporary folder.</summary>
[Collection("cli")]
public sealed class ModelCommandsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("faceparse-modelcmd-").FullName;
    private readonly string _model;

    public ModelCommandsTests() => _model = TinyModels.Save(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void BenchModelJsonHasTheSchemaAndPositiveFigures()
    {
        var (exit, stdout, stderr) = CliHarness.Run("bench", "model", "--model", _model, "--size", "32", "--out-size", "48",
            "--repeats", "3", "--threads", "1", "--json");
        Assert.True(exit == 0, stderr);
        var root = JsonDocument.Parse(stdout).RootElement;
        string[] keys = ["model", "size", "out_size", "threads", "median_ms", "images_per_s", "peak_working_set_mb", "train_images_per_s"];
        Assert.Equal([.. keys, "train_replicas", "train_peak_working_set_mb", "cpu", "simd"], root.EnumerateObject().Select(p => p.Name));
        Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("cpu").GetString()));
        Assert.Equal(1, root.GetProperty("train_replicas").GetInt32());
        if (OperatingSystem.IsLinux())
        {
            // The training phase's own peak: positive and within the whole run's.
            double trainPeak = root.GetProperty("train_peak_working_set_mb").GetDouble();
            Assert.InRange(trainPeak, 1, root.GetProperty("peak_working_set_mb").GetDouble());
        }
        Assert.Equal("tiny-5", root.GetProperty("model").GetString());
        Assert.Equal(32, root.GetProperty("size").GetInt32());
        Assert.Equal(48, root.GetProperty("out_size").GetInt32());
        Assert.Equal(1, root.GetProperty("threads").GetInt32());
        foreach (string key in keys[4..])
        {
            double value = root.GetProperty(key).GetDouble();
            Assert.True(double.IsFinite(value) && value > 0, $"{key} = {value}");
        }
        Assert.Equal(1000 / root.GetProperty("median_ms").GetDouble(), root.GetProperty("images_per_s").GetDouble(), 0.05 * root.GetProperty("images_per_s").GetDouble());

        (exit, stdout, stderr) = CliHarness.Run("bench", "model", "--model", _model, "--size", "32", "--repeats", "1", "--train-replicas", "2", "--json");
        Assert.True(exit == 0, stderr);
        root = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(2, root.GetProperty("train_replicas").GetInt32());
        Assert.True(root.GetProperty("train_images_per_s").GetDouble() > 0);
        (exit, _, stderr) = CliHarness.Run("bench", "model", "--model", _model, "--size", "32", "--train-replicas", "5");
        Assert.Equal(1, exit);
        Assert.Contains("replicas", stderr);
    }

    [Fact]
    public void InfoModelJsonDescribesTheModel()
    {
        var (exit, stdout, stderr) = CliHarness.Run("info", "--model", _model, "--json");
        Assert.True(exit == 0, stderr);
        var root = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal("tiny-5", root.GetProperty("name").GetString());
        Assert.Equal("fp-liif", root.GetProperty("architecture").GetString());
        Assert.Equal("lapa", root.GetProperty("labels").GetString());
        Assert.Equal(TinyModels.InputSize, root.GetProperty("input_size").GetInt32());
        Assert.Equal(TinyModels.Create().ParameterCount, root.GetProperty("parameters").GetInt64());
        Assert.Equal(11, root.GetProperty("classes").GetArrayLength());
        Assert.Equal("background", root.GetProperty("classes")[0].GetString());
        Assert.Equal("tiny test model", root.GetProperty("notes").GetString());

        (exit, stdout, _) = CliHarness.Run("info", "--model", _model);
        Assert.Equal(0, exit);
        Assert.Contains("tiny-5", stdout);
        Assert.Contains("0 background", stdout);

        (exit, _, stderr) = CliHarness.Run("info", "--model", "no-such-model");
        Assert.Equal(1, exit);
        Assert.Contains("Available names", stderr);
    }

    /// <summary>A preset of a registered architecture is described as an untrained model: the parameter count is FpLiifConfigs'
    /// documented 52,851 for fp-liif-tiny with 19 classes, and "file" is null.</summary>
    [Fact]
    public void InfoOfAPresetDescribesAnUntrainedModel()
    {
        var (exit, stdout, stderr) = CliHarness.Run("info", "--model", "fp-liif-tiny", "--json");
        Assert.True(exit == 0, stderr);
        var root = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal("fp-liif", root.GetProperty("architecture").GetString());
        Assert.Equal(52_851, root.GetProperty("parameters").GetInt64());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("file").ValueKind);
        Assert.Equal(256, root.GetProperty("input_size").GetInt32());
    }
}
