using System.Globalization;
using System.Text.Json;
using FaceParse.Tensors.Serialization;

namespace FaceParse.Models.Tests.SegFace;

/// <summary>Reads the libtorch reference fixtures of /work/wt/FIXTURES.md (tests/FaceParse.Models.Tests/Fixtures/torch,
/// written by the hand-run tool tests/tools/TorchReference) and computes the agreed "formula weights" and input.</summary>
public static class TorchFixtures
{
    public static string? Folder { get; } = Locate();

    private static string? Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "FaceParse.Models.Tests", "Fixtures", "torch");
            if (Directory.Exists(candidate)) return candidate;
            candidate = Path.Combine(dir.FullName, "Fixtures", "torch");
            if (File.Exists(Path.Combine(dir.FullName, "FaceParse.Models.Tests.csproj")) && Directory.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>Path of NAME.ext, or skips the test with a message naming the tool that writes it.</summary>
    public static string PathOf(string name, string ext)
    {
        string? path = Folder is null ? null : Path.Combine(Folder, name + ext);
        if (path is not null && File.Exists(path)) return path;
        Assert.Skip($"libtorch fixture {name}{ext} not present (tests/FaceParse.Models.Tests/Fixtures/torch, written by the hand-run " +
                    "tool tests/tools/TorchReference, format in FIXTURES.md)");
        return null!;
    }

    public sealed record Entry(string Key, string DType, int[] Shape);

    /// <summary>NAME.keys.tsv: state_dict entries in torch order.</summary>
    public static List<Entry> Keys(string name) =>
        File.ReadAllLines(PathOf(name, ".keys.tsv")).Where(l => l.Length > 0).Select(l =>
        {
            var f = l.Split('\t');
            int[] shape = f.Length < 3 || f[2].Length == 0 ? [] : f[2].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            return new Entry(f[0], f[1], shape);
        }).ToList();

    public static JsonElement Json(string name) => JsonDocument.Parse(File.ReadAllText(PathOf(name, ".json"))).RootElement;

    public static Dictionary<string, Tensor> Outputs(string name) => SafeTensors.Load(PathOf(name, ".outputs.safetensors")).Tensors;

    /// <summary>The formula weights for every float entry (integer entries: zeros) (tensor j in key order, element i), keyed by the fixture key.</summary>
    public static Dictionary<string, Tensor> FormulaWeights(IReadOnlyList<Entry> entries)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (int j = 0; j < entries.Count; j++)
        {
            var e = entries[j];
            if (!e.DType.StartsWith("float", StringComparison.Ordinal))
            {
                result[e.Key] = Tensor.Zeros(e.Shape); // integer buffers keep torch's initial value (num_batches_tracked = 0)
                continue;
            }
            var t = Tensor.Empty(e.Shape);
            var s = t.Span;
            int fanIn = e.Shape.Length >= 2 ? s.Length / e.Shape[0] : 1;
            for (int i = 0; i < s.Length; i++)
            {
                double sin = Math.Sin(0.37 * i + 1.3 * j);
                double v = e.Shape.Length >= 2 ? 1.7 * sin / Math.Sqrt(fanIn)
                    : e.Key.EndsWith("running_var", StringComparison.Ordinal) ? 1 + 0.2 * sin
                    : e.Shape.Length == 1 && e.Key.EndsWith(".weight", StringComparison.Ordinal) ? 1 + 0.1 * sin
                    : 0.02 * sin;
                s[i] = (float)v;
            }
            result[e.Key] = t;
        }
        return result;
    }

    /// <summary>x[1,3,64,48], element i = sin(0.11·i).</summary>
    public static Tensor Input(int[] shape)
    {
        var x = Tensor.Empty(shape);
        var s = x.Span;
        for (int i = 0; i < s.Length; i++) s[i] = (float)Math.Sin(0.11 * i);
        return x;
    }

    /// <summary>‖a − b‖₂ / ‖b‖₂ in double.</summary>
    public static double RelativeL2(Tensor actual, Tensor expected)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        var a = actual.ToArray();
        var b = expected.ToArray();
        double num = 0, den = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double d = (double)a[i] - b[i];
            num += d * d;
            den += (double)b[i] * b[i];
        }
        return Math.Sqrt(num / Math.Max(den, 1e-300));
    }
}
