using FaceParse.Evaluation;
using FaceParse.Imaging;
using FaceParse.Inference;

namespace FaceParse.Tests.Detection;

/// <summary>Hand-run measurement (FACEPARSE_MEASURE_WILD=1; minutes): val100 mean F1 of the default model on the original crops
/// (whole frame), and on the <see cref="WildSet"/> versions of the same photos with <c>--faces whole</c> and <c>auto</c>, all
/// at the mask's resolution with one confusion matrix per setting (the metric of <c>faceparse eval</c>). FACEPARSE_WILD_MODEL
/// names another model (a registered name or a file) to measure instead of the default.</summary>
public sealed class WildMeasurement
{
    [Fact]
    public void Val100_in_the_wild()
    {
        if (Environment.GetEnvironmentVariable("FACEPARSE_MEASURE_WILD") != "1") Assert.Skip("hand-run: set FACEPARSE_MEASURE_WILD=1");
        string root = SharedData.PathOf("celebamask-hq-mini1000");
        var ids = File.ReadAllLines(Path.Combine(root, "split_val100.txt")).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        string model = Environment.GetEnvironmentVariable("FACEPARSE_WILD_MODEL") is { Length: > 0 } m ? m : "default";
        var auto = FaceParser.Load(model);
        var whole = FaceParser.Load(model, new FaceParserOptions { Faces = FaceMode.Whole });
        int k = auto.Labels.Count;
        ConfusionMatrix crops = new(k), wildWhole = new(k), wildAuto = new(k);
        int missed = 0;
        for (int i = 0; i < ids.Length; i++)
        {
            var crop = ImageCodec.Decode(File.ReadAllBytes(Path.Combine(root, "images", ids[i] + ".jpg"))).Image;
            var mask = ImageCodec.Decode(File.ReadAllBytes(Path.Combine(root, "masks", ids[i] + ".png"))).ToLabelMap();
            crops.Add(mask, whole.Parse(crop).LabelMap);
            var (photo, labels, _, _) = WildSet.Make(crop, mask, seed: i);
            wildWhole.Add(labels, whole.Parse(photo).LabelMap);
            var result = auto.Parse(photo);
            if (result.Faces.Count == 0) missed++;
            wildAuto.Add(labels, result.LabelMap);
        }
        string report = $"{model}: val100 mean F1: crops {SegmentationScores.Compute(crops).MeanF1:F4}, wild whole {SegmentationScores.Compute(wildWhole).MeanF1:F4}, " +
            $"wild auto {SegmentationScores.Compute(wildAuto).MeanF1:F4} (no face found in {missed})";
        File.WriteAllText(Path.Combine(Path.GetTempPath(), "faceparse-wild-val100.txt"), report);
        TestContext.Current.SendDiagnosticMessage(report);
    }
}
