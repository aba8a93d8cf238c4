using System.Text.Json;
using FaceParse.Evaluation;
using FaceParse.Labels;

namespace FaceParse.Tests.Evaluation;

public class ReportTests
{
    private static SegmentationEvaluator ThreeOfFour()
    {
        // 4x1 masks in LaPa ids; class 10 (hair) never occurs
        var ev = new SegmentationEvaluator(LabelSets.LaPa);
        ev.Add([0, 1, 1, 6], 4, 1, [0, 1, 6, 6], 4, 1);
        return ev;
    }

    [Fact]
    public void JsonHasTheAgreedShape()
    {
        var report = ThreeOfFour().Report("fp-liif-test");
        using var doc = JsonDocument.Parse(report.ToJson());
        var root = doc.RootElement;
        Assert.Equal(["model", "images", "eval_size", "mean_f1", "miou", "per_class"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("fp-liif-test", root.GetProperty("model").GetString());
        Assert.Equal(1, root.GetProperty("images").GetInt32());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("eval_size").ValueKind);
        var skin = root.GetProperty("per_class").GetProperty("skin");
        Assert.Equal(["f1", "iou", "gt_pixels", "pred_pixels"], skin.EnumerateObject().Select(p => p.Name));
        Assert.Equal(2.0 * 1 / (2 + 1), skin.GetProperty("f1").GetDouble(), 12);
        Assert.Equal(2, skin.GetProperty("gt_pixels").GetInt64());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("per_class").GetProperty("hair").GetProperty("f1").ValueKind);
        Assert.Equal(11, root.GetProperty("per_class").EnumerateObject().Count());
        // mean F1 over present foreground classes: skin 2/3, nose 2/3
        Assert.Equal(2.0 / 3, root.GetProperty("mean_f1").GetDouble(), 12);
    }

    [Fact]
    public void JsonRoundTrips()
    {
        var report = ThreeOfFour().Report("m");
        var back = EvaluationReport.FromJson(report.ToJson());
        Assert.Equal(report.MeanF1, back.MeanF1, 12);
        Assert.Equal(report.MeanIoU, back.MeanIoU, 12);
        Assert.Equal(report.PerClass, back.PerClass);
        Assert.Equal(report.ToJson(), back.ToJson());
    }

    [Fact]
    public void HelenReportsCarryGroups()
    {
        var ev = new SegmentationEvaluator(LabelSets.Helen, evalSize: 2);
        ev.Add([4, 4, 5, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 4, 4, [5, 4, 0, 0], 2, 2);
        var report = ev.Report("h");
        Assert.Equal(["eyes", "brows", "mouth", "overall"], report.Groups.Select(g => g.Name));
        using var doc = JsonDocument.Parse(report.ToJson());
        Assert.Equal(2, doc.RootElement.GetProperty("eval_size").GetInt32());
        Assert.Equal(1.0, doc.RootElement.GetProperty("groups").GetProperty("eyes").GetProperty("f1").GetDouble());
        Assert.Contains("merged groups", report.ToText());
    }

    [Fact]
    public void EvalSizeResizesGroundTruthWithNearestAndChecksPredictionSize()
    {
        var ev = new SegmentationEvaluator(LabelSets.LaPa, evalSize: 2);
        // 4x4 gt, nearest to 2x2 samples pixels (0,0) (2,0) (0,2) (2,2)
        byte[] gt = [1, 9, 2, 9, 9, 9, 9, 9, 3, 9, 4, 9, 9, 9, 9, 9];
        ev.Add(gt, 4, 4, [1, 2, 3, 4], 2, 2);
        Assert.Equal(1.0, ev.Scores().PixelAccuracy);
        Assert.Contains("2x2", Assert.Throws<ArgumentException>(() => ev.Add(gt, 4, 4, gt, 4, 4)).Message);
        var native = new SegmentationEvaluator(LabelSets.LaPa);
        Assert.Throws<ArgumentException>(() => native.Add(gt, 4, 4, [1, 2, 3, 4], 2, 2));
    }

    [Fact]
    public void TextTableShowsPercentages()
    {
        string text = ThreeOfFour().Report("m").ToText();
        Assert.Contains("eval size: native mask resolution", text);
        Assert.Contains("66.67", text);
        Assert.Contains("hair", text);
        Assert.Contains("mean F1 (excl. background): 66.67", text);
    }
}
