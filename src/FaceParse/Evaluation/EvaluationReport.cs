using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FaceParse.Evaluation;

/// <summary>The result of evaluating one model on one set, as written to disk and shown to users.</summary>
/// <remarks>JSON: {"model", "images", "eval_size", "mean_f1", "miou", "per_class": {name: {"f1", "iou", "gt_pixels",
/// "pred_pixels"}}} with F1/IoU as fractions in [0, 1]; NaN (absent class) is written as null; "groups" (same shape as a
/// per_class entry) is added only when group scores exist. "eval_size" is the square side the labels were resized to
/// (nearest) for evaluation, or null when evaluated at each mask's own resolution.</remarks>
public sealed record EvaluationReport(
    string Model, int Images, int? EvalSize, double MeanF1, double MeanIoU,
    IReadOnlyList<ClassScore> PerClass, IReadOnlyList<GroupScore> Groups)
{
    /// <summary>Pixel accuracy; shown in the text table (not part of the JSON schema, so NaN after <see cref="FromJson"/>).</summary>
    public double PixelAccuracy { get; init; } = double.NaN;

    /// <summary>A report from scores (and optional group scores).</summary>
    public static EvaluationReport Create(string model, int images, int? evalSize, SegmentationScores scores, IReadOnlyList<GroupScore>? groups = null) =>
        new(model, images, evalSize, scores.MeanF1, scores.MeanIoU, scores.PerClass, groups ?? []) { PixelAccuracy = scores.PixelAccuracy };

    public string ToJson(bool indented = true)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            w.WriteStartObject();
            w.WriteString("model", Model);
            w.WriteNumber("images", Images);
            if (EvalSize is int size) w.WriteNumber("eval_size", size);
            else w.WriteNull("eval_size");
            WriteFraction(w, "mean_f1", MeanF1);
            WriteFraction(w, "miou", MeanIoU);
            w.WriteStartObject("per_class");
            foreach (var c in PerClass) WriteEntry(w, c.Name, c.F1, c.IoU, c.GtPixels, c.PredPixels);
            w.WriteEndObject();
            if (Groups.Count > 0)
            {
                w.WriteStartObject("groups");
                foreach (var g in Groups) WriteEntry(w, g.Name, g.F1, g.IoU, g.GtPixels, g.PredPixels);
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Reads a report written by <see cref="ToJson"/> (true positives are recovered from F1 and the pixel counts).</summary>
    public static EvaluationReport FromJson(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        var evalSize = root.GetProperty("eval_size");
        var perClass = new List<ClassScore>();
        int id = 0;
        foreach (var (name, f1, iou, gt, pred, tp) in ReadEntries(root, "per_class"))
            perClass.Add(new ClassScore(id++, name, f1, iou, gt, pred, tp));
        var groups = ReadEntries(root, "groups").Select(e => new GroupScore(e.Name, e.F1, e.IoU, e.Gt, e.Pred, e.Tp)).ToList();
        return new EvaluationReport(root.GetProperty("model").GetString() ?? "", root.GetProperty("images").GetInt32(),
            evalSize.ValueKind == JsonValueKind.Null ? null : evalSize.GetInt32(),
            ReadFraction(root.GetProperty("mean_f1")), ReadFraction(root.GetProperty("miou")), perClass, groups);
    }

    /// <summary>A fixed-width table, F1/IoU in percent.</summary>
    public string ToText()
    {
        var inv = CultureInfo.InvariantCulture;
        int width = Math.Max(10, PerClass.Select(c => c.Name.Length).Concat(Groups.Select(g => g.Name.Length)).DefaultIfEmpty(0).Max() + 2);
        var sb = new StringBuilder();
        sb.AppendLine(inv, $"model: {Model}   images: {Images}   eval size: {(EvalSize is int s ? $"{s}x{s}" : "native mask resolution")}");
        sb.AppendLine(inv, $"{"class".PadRight(width)}{"F1 %",8}{"IoU %",8}{"gt px",14}{"pred px",14}");
        foreach (var c in PerClass) AppendRow(sb, width, c.Name, c.F1, c.IoU, c.GtPixels, c.PredPixels);
        if (Groups.Count > 0)
        {
            sb.AppendLine("merged groups (not part of mean F1):");
            foreach (var g in Groups) AppendRow(sb, width, g.Name, g.F1, g.IoU, g.GtPixels, g.PredPixels);
        }
        sb.AppendLine(inv, $"mean F1 (excl. background): {Percent(MeanF1)}   mIoU (incl. background): {Percent(MeanIoU)}   pixel accuracy: {Percent(PixelAccuracy)}");
        return sb.ToString();
    }

    private static void AppendRow(StringBuilder sb, int width, string name, double f1, double iou, long gt, long pred) =>
        sb.AppendLine(CultureInfo.InvariantCulture, $"{name.PadRight(width)}{Percent(f1),8}{Percent(iou),8}{gt,14}{pred,14}");

    private static string Percent(double v) => double.IsNaN(v) ? "-" : (100 * v).ToString("F2", CultureInfo.InvariantCulture);

    private static void WriteEntry(Utf8JsonWriter w, string name, double f1, double iou, long gt, long pred)
    {
        w.WriteStartObject(name);
        WriteFraction(w, "f1", f1);
        WriteFraction(w, "iou", iou);
        w.WriteNumber("gt_pixels", gt);
        w.WriteNumber("pred_pixels", pred);
        w.WriteEndObject();
    }

    private static void WriteFraction(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value)) w.WriteNumber(name, value);
        else w.WriteNull(name);
    }

    private static double ReadFraction(JsonElement e) => e.ValueKind == JsonValueKind.Null ? double.NaN : e.GetDouble();

    private static IEnumerable<(string Name, double F1, double IoU, long Gt, long Pred, long Tp)> ReadEntries(JsonElement root, string property)
    {
        if (!root.TryGetProperty(property, out var table)) yield break;
        foreach (var entry in table.EnumerateObject())
        {
            double f1 = ReadFraction(entry.Value.GetProperty("f1"));
            long gt = entry.Value.GetProperty("gt_pixels").GetInt64(), pred = entry.Value.GetProperty("pred_pixels").GetInt64();
            long tp = double.IsNaN(f1) ? 0 : (long)Math.Round(f1 * (gt + pred) / 2);
            yield return (entry.Name, f1, ReadFraction(entry.Value.GetProperty("iou")), gt, pred, tp);
        }
    }
}
