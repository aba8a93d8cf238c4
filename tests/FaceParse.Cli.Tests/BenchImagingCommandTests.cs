using System.Text.Json;

namespace FaceParse.Cli.Tests;

[Collection("cli")]
public sealed class BenchImagingCommandTests
{
    [Fact]
    public void QuickJsonRowsHaveTheSchemaAndPositiveFiniteNumbers()
    {
        var (exit, stdout, stderr) = CliHarness.Run("bench", "imaging", "--quick", "--json");
        Assert.True(exit == 0, stderr);
        var rows = JsonDocument.Parse(stdout).RootElement.EnumerateArray().ToList();
        Assert.Contains(rows, r => r.GetProperty("task").GetString() == "encode" && r.GetProperty("file").GetString()!.Contains("palette"));
        Assert.Contains(rows, r => r.GetProperty("task").GetString() == "decode" && r.GetProperty("file").GetString()!.StartsWith("baseline-420"));
        Assert.Contains(rows, r => r.GetProperty("file").GetString()!.EndsWith(".png") && r.GetProperty("task").GetString() == "decode");
        string[] keys = ["task", "file", "megapixels", "mp_per_s", "reference", "reference_mp_per_s", "ratio", "cpu"];
        foreach (var row in rows)
        {
            Assert.Equal(keys, row.EnumerateObject().Select(p => p.Name));
            Positive(row.GetProperty("megapixels"));
            Positive(row.GetProperty("mp_per_s"));
            foreach (string key in new[] { "reference_mp_per_s", "ratio" })
                if (row.GetProperty(key).ValueKind != JsonValueKind.Null) Positive(row.GetProperty(key));
            if (row.GetProperty("reference").ValueKind == JsonValueKind.Null)
                Assert.Equal(JsonValueKind.Null, row.GetProperty("ratio").ValueKind);
        }
    }

    private static void Positive(JsonElement value)
    {
        double x = value.GetDouble();
        Assert.True(double.IsFinite(x) && x > 0, $"{value} is not a positive finite number");
    }
}
