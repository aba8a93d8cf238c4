namespace FaceParse.Evaluation;

/// <summary>How a class with no ground-truth and no predicted pixel in the whole set (|gt| + |pred| = 0) enters the means.</summary>
/// <remarks>Its own F1 and IoU are 0/0 and reported as NaN in every case.</remarks>
public enum AbsentClassPolicy
{
    /// <summary>Left out of mean F1 and mIoU (default; on full benchmark test sets every class occurs, so this only matters for
    /// small subsets).</summary>
    Exclude,
    /// <summary>Counted as 0 in the means.</summary>
    CountAsZero,
    /// <summary>Counted as 1 (a perfect "nothing predicted where nothing exists").</summary>
    CountAsOne,
}

/// <summary>Options of <see cref="SegmentationScores.Compute"/>.</summary>
public sealed record MetricOptions
{
    public static readonly MetricOptions Default = new();

    public AbsentClassPolicy AbsentClasses { get; init; } = AbsentClassPolicy.Exclude;

    /// <summary>The class left out of mean F1 (SPEC §3: background, id 0). mIoU always includes it.</summary>
    public int BackgroundClass { get; init; }
}

/// <summary>Scores of one class over the whole set.</summary>
/// <param name="F1">2·|gt∩pred| / (|gt| + |pred|), a fraction in [0, 1]; NaN when the class is absent.</param>
/// <param name="IoU">|gt∩pred| / |gt∪pred|; NaN when the class is absent.</param>
public sealed record ClassScore(int Id, string Name, double F1, double IoU, long GtPixels, long PredPixels, long TruePositives)
{
    /// <summary>No ground-truth and no predicted pixel of this class anywhere in the set.</summary>
    public bool Absent => GtPixels + PredPixels == 0;
}

/// <summary>Per-class F1/IoU and their means from ONE confusion matrix accumulated over the whole set (SPEC §3).</summary>
/// <remarks>Mean F1 averages every class except background (18 for CelebAMask-HQ, 10 for LaPa/Helen); mIoU averages every class
/// including background; pixel accuracy = trace / total. Absent classes follow <see cref="MetricOptions.AbsentClasses"/>.</remarks>
public sealed class SegmentationScores
{
    private SegmentationScores(IReadOnlyList<ClassScore> perClass, double meanF1, double meanIoU, double pixelAccuracy, long pixels)
    {
        PerClass = perClass;
        MeanF1 = meanF1;
        MeanIoU = meanIoU;
        PixelAccuracy = pixelAccuracy;
        Pixels = pixels;
    }

    public IReadOnlyList<ClassScore> PerClass { get; }
    /// <summary>Mean F1 over all classes except background; NaN when no class qualifies.</summary>
    public double MeanF1 { get; }
    /// <summary>Mean IoU over all classes including background; NaN when no class qualifies.</summary>
    public double MeanIoU { get; }
    public double PixelAccuracy { get; }
    /// <summary>Counted (non-ignored) pixels.</summary>
    public long Pixels { get; }

    /// <summary>Scores of <paramref name="matrix"/>; <paramref name="classNames"/> (one per class) names the rows, default "class{i}".</summary>
    public static SegmentationScores Compute(ConfusionMatrix matrix, IReadOnlyList<string>? classNames = null, MetricOptions? options = null)
    {
        options ??= MetricOptions.Default;
        int n = matrix.NumClasses;
        if (classNames is not null && classNames.Count != n)
            throw new ArgumentException($"{classNames.Count} class names for a {n}-class matrix.", nameof(classNames));
        var counts = matrix.ToArray();
        var gt = new long[n];
        var pred = new long[n];
        long trace = 0, total = 0;
        for (int g = 0; g < n; g++)
        {
            for (int p = 0; p < n; p++)
            {
                long c = counts[g * n + p];
                gt[g] += c;
                pred[p] += c;
                total += c;
            }
            trace += counts[g * n + g];
        }
        var perClass = new ClassScore[n];
        for (int k = 0; k < n; k++)
        {
            long tp = counts[k * n + k];
            perClass[k] = new ClassScore(k, classNames?[k] ?? $"class{k}", Ratio(2 * tp, gt[k] + pred[k]), Ratio(tp, gt[k] + pred[k] - tp), gt[k], pred[k], tp);
        }
        double meanF1 = Mean(perClass.Where(c => c.Id != options.BackgroundClass), c => c.F1, options.AbsentClasses);
        double meanIoU = Mean(perClass, c => c.IoU, options.AbsentClasses);
        return new SegmentationScores(perClass, meanF1, meanIoU, Ratio(trace, total), total);
    }

    /// <summary>a / b, NaN when b = 0.</summary>
    internal static double Ratio(long a, long b) => b == 0 ? double.NaN : (double)a / b;

    private static double Mean(IEnumerable<ClassScore> classes, Func<ClassScore, double> score, AbsentClassPolicy absent)
    {
        double sum = 0;
        int count = 0;
        foreach (var c in classes)
        {
            if (c.Absent && absent == AbsentClassPolicy.Exclude) continue;
            sum += c.Absent ? (absent == AbsentClassPolicy.CountAsOne ? 1 : 0) : score(c);
            count++;
        }
        return count == 0 ? double.NaN : sum / count;
    }
}
