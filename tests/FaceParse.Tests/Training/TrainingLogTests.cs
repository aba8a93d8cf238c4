using System.Xml.Linq;
using FaceParse.Training;

namespace FaceParse.Tests.Training;

public sealed class TrainingLogTests : IDisposable
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "faceparse-log-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static EpochMetrics Row(int epoch, double? f1) =>
        new(epoch, epoch * 100L, 2.0 / epoch, f1, f1 is null ? null : f1 - 0.1, 1e-4, 12.5, 33.25);

    private static int PointCount(XDocument svg, string id) =>
        svg.Descendants(Svg + "polyline").Single(p => (string?)p.Attribute("id") == id).Attribute("points")!.Value
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;

    [Fact]
    public void WritesCsvJsonAndAnSvgCurveWithOnePointPerEpoch()
    {
        var log = new TrainingLog(_dir);
        log.Append(Row(1, null));
        log.Append(Row(2, 0.75));
        log.Append(Row(3, null));
        log.Append(Row(4, 0.8));

        var csv = File.ReadAllLines(log.CsvPath);
        Assert.Equal(TrainingLog.CsvHeader, csv[0]);
        Assert.Equal(5, csv.Length);
        Assert.Equal("1,100,2,,,0.0001,12.5,33.25", csv[1]);
        Assert.Equal("2,200,1,0.75,0.65,0.0001,12.5,33.25", csv[2]);

        var reopened = new TrainingLog(_dir);
        Assert.Equal(log.Rows, reopened.Rows);
        Assert.Contains("\"val_mean_f1\": 0.75", File.ReadAllText(log.JsonPath));

        var svg = XDocument.Load(log.SvgPath);
        Assert.Equal(4, PointCount(svg, "train-loss"));
        Assert.Equal(2, PointCount(svg, "val-mean-f1")); // epochs without validation are skipped
        Assert.NotNull(svg.Descendants(Svg + "g").SingleOrDefault(g => (string?)g.Attribute("id") == "legend"));
        Assert.True(svg.Descendants(Svg + "text").Count(t => t.Value == "epoch") == 2);
    }

    [Fact]
    public void TruncateDropsEpochsNewerThanTheResumedCheckpoint()
    {
        var log = new TrainingLog(_dir);
        for (int e = 1; e <= 4; e++) log.Append(Row(e, 0.5 + e / 10.0));
        log.TruncateAfter(2);
        log.Append(Row(3, 0.9));
        Assert.Equal([1, 2, 3], new TrainingLog(_dir).Rows.Select(r => r.Epoch));
        Assert.Equal(4, File.ReadAllLines(log.CsvPath).Length);
        Assert.Equal(3, PointCount(XDocument.Load(log.SvgPath), "val-mean-f1"));
    }

    [Fact]
    public void AnEmptyOrNonFiniteLogStillRendersValidSvg()
    {
        var empty = XDocument.Parse(CurveSvg.Render([]));
        Assert.Empty(empty.Descendants(Svg + "polyline"));
        var nan = XDocument.Parse(CurveSvg.Render([Row(1, 0.5), Row(2, 0.6) with { TrainLoss = double.NaN }]));
        Assert.Equal(1, PointCount(nan, "train-loss"));
    }

    [Fact]
    public void TicksAreNiceAndCoverTheRange()
    {
        Assert.Equal([0, 0.2, 0.4, 0.6, 0.8, 1.0], CurveSvg.Ticks(0.03, 0.97));
        Assert.Equal([1, 2, 3, 4, 5], CurveSvg.Ticks(1, 5));
        var flat = CurveSvg.Ticks(2, 2);
        Assert.True(flat[0] < 2 && flat[^1] > 2);
    }
}
