using System.Text.Json;
using FaceParse.Tensors.Serialization;

namespace FaceParse.Models.Tests;

// The libtorch fixtures in Fixtures/torch (written by tests/tools/TorchReference) are readable by our safetensors reader,
// internally consistent, and their inputs are the documented formulas -- so a model test comparing against them compares
// against what it thinks it does.
public sealed class TorchFixtureFormatTests
{
    private static string FixtureDir()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string candidate = Path.Combine(d.FullName, "tests", "FaceParse.Models.Tests", "Fixtures", "torch");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException("tests/FaceParse.Models.Tests/Fixtures/torch not found above the test assembly.");
    }

    [Fact]
    public void EveryOutputFileLoadsAndItsInputIsTheFormula()
    {
        var files = Directory.GetFiles(FixtureDir(), "*.outputs.safetensors");
        Assert.True(files.Length >= 4, $"expected the backbone and SegFace output fixtures, found {files.Length}");
        foreach (var path in files)
        {
            var file = SafeTensors.Load(path);
            var input = file.Tensors["input"];
            Assert.Equal(new[] { 1, 3, 64, 48 }, input.Shape);
            var x = input.ToArray();
            for (int i = 0; i < x.Length; i++) Assert.Equal((float)Math.Sin(0.11 * i), x[i], 1e-6f);
            Assert.True(file.Tensors.Count >= 2, $"{Path.GetFileName(path)} holds no output");
            foreach (var (name, t) in file.Tensors)
                Assert.True(t.ToArray().All(float.IsFinite), $"{Path.GetFileName(path)}:{name} has a non-finite value");
        }
    }

    [Fact]
    public void KeyListsAddUpToTheRecordedParameterAndBufferCounts()
    {
        var lists = Directory.GetFiles(FixtureDir(), "*.keys.tsv");
        Assert.NotEmpty(lists);
        foreach (var tsv in lists)
        {
            string name = Path.GetFileName(tsv)[..^".keys.tsv".Length];
            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Path.GetDirectoryName(tsv)!, name + ".json")));
            var root = json.RootElement;
            long total = 0;
            var keys = new HashSet<string>(StringComparer.Ordinal);
            foreach (var line in File.ReadAllLines(tsv))
            {
                var f = line.Split('\t');
                Assert.Equal(3, f.Length);
                Assert.True(keys.Add(f[0]), $"{name}: key {f[0]} repeated");
                Assert.Contains(f[1], new[] { "float32", "int64" });
                total += f[2].Length == 0 ? 1 : f[2].Split(',').Aggregate(1L, (a, d) => a * long.Parse(d));
            }
            long parameters = root.GetProperty("parameters").GetInt64(), buffers = root.GetProperty("buffers").GetInt64();
            Assert.Equal(parameters + buffers, total);
            Assert.Equal(root.GetProperty("state_dict_entries").GetInt32(), keys.Count);
            if (root.TryGetProperty("published_parameters", out var published)) Assert.Equal(published.GetInt64(), parameters);
        }
    }

    [Fact]
    public void OpInputsFollowTheirRecordedFormulasAndEveryOutputExists()
    {
        string dir = FixtureDir();
        var file = SafeTensors.Load(Path.Combine(dir, "ops.safetensors"));
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "ops.json")));
        int cases = 0;
        foreach (var c in json.RootElement.GetProperty("cases").EnumerateArray())
        {
            cases++;
            foreach (var input in c.GetProperty("inputs").EnumerateArray())
            {
                var t = file.Tensors[input.GetProperty("name").GetString()!];
                Assert.Equal(input.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()), t.Shape);
                double f = input.GetProperty("f").GetDouble(), p = input.GetProperty("p").GetDouble();
                double a = input.GetProperty("a").GetDouble(), offset = input.GetProperty("offset").GetDouble();
                var v = t.ToArray();
                for (int i = 0; i < v.Length; i++) Assert.Equal((float)(offset + a * Math.Sin(f * i + p)), v[i], 1e-6f);
            }
            var output = file.Tensors[c.GetProperty("output").GetString()!];
            Assert.Equal(c.GetProperty("output_shape").EnumerateArray().Select(e => e.GetInt32()), output.Shape);
        }
        Assert.True(cases >= 20, $"ops.json lists {cases} cases");
    }
}
