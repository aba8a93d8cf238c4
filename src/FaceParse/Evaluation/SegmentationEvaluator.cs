using FaceParse.Imaging.Geometry;
using FaceParse.Labels;

namespace FaceParse.Evaluation;

/// <summary>Accumulates predictions of a whole evaluation set into one confusion matrix at a stated resolution and produces the
/// report. Thread-safe: images may be added from several threads.</summary>
/// <remarks>
/// <para>Resolution: with <see cref="EvalSize"/> = S (the SegFace convention, S = model input size) every ground-truth mask is
/// resized to S×S with nearest neighbour and the prediction must be S×S. With <see cref="EvalSize"/> = null the evaluation is at
/// each mask's own resolution and the prediction must have the mask's size. A prediction of another size is an error, never
/// silently resized, so the resolution a number was measured at is always the stated one.</para>
/// <para>Helen sets (<see cref="LabelSets.Helen"/>) also get the merged groups of <see cref="ClassGroups.Helen"/>.</para>
/// </remarks>
public sealed class SegmentationEvaluator
{
    private int _images;

    public SegmentationEvaluator(LabelSet labels, int? evalSize = null, MetricOptions? options = null)
    {
        if (evalSize is < 1) throw new ArgumentOutOfRangeException(nameof(evalSize), "The evaluation size must be positive.");
        Labels = labels;
        EvalSize = evalSize;
        Options = options ?? MetricOptions.Default;
        Matrix = new ConfusionMatrix(labels.Count, LabelSet.IgnoreLabel);
    }

    public LabelSet Labels { get; }
    /// <summary>Square evaluation side, or null for each mask's own resolution.</summary>
    public int? EvalSize { get; }
    public MetricOptions Options { get; }
    public ConfusionMatrix Matrix { get; }
    public int Images => Volatile.Read(ref _images);

    /// <summary>Adds one image. Shape: gt [gtHeight, gtWidth] (resized to [S, S] when EvalSize = S), pred [predHeight, predWidth]
    /// which must equal the evaluation size.</summary>
    public void Add(ReadOnlySpan<byte> gt, int gtWidth, int gtHeight, ReadOnlySpan<byte> pred, int predWidth, int predHeight)
    {
        if (gt.Length != gtWidth * gtHeight) throw new ArgumentException($"Ground truth has {gt.Length} pixels, not {gtWidth}x{gtHeight}.");
        int w = EvalSize ?? gtWidth, h = EvalSize ?? gtHeight;
        if (predWidth != w || predHeight != h)
            throw new ArgumentException($"Prediction is {predWidth}x{predHeight} but the evaluation resolution is {w}x{h} ({(EvalSize is null ? "the mask's own size" : "eval size")}).");
        if (pred.Length != w * h) throw new ArgumentException($"Prediction has {pred.Length} pixels, not {w}x{h}.");
        if (w == gtWidth && h == gtHeight) Matrix.Add(gt, pred);
        else Matrix.Add(Resize.Labels(gt, gtWidth, gtHeight, w, h), pred);
        Interlocked.Increment(ref _images);
    }

    /// <summary>Scores so far.</summary>
    public SegmentationScores Scores() => SegmentationScores.Compute(Matrix, [.. Labels.Classes.Select(c => c.Name)], Options);

    /// <summary>The report for <paramref name="model"/>.</summary>
    public EvaluationReport Report(string model)
    {
        var groups = Labels == LabelSets.Helen ? ClassGroups.Score(Matrix, ClassGroups.Helen(Labels)) : null;
        return EvaluationReport.Create(model, Images, EvalSize, Scores(), groups);
    }
}
