using FaceParse.Labels;

namespace FaceParse.Evaluation;

/// <summary>A named set of class ids scored as one class: confusion between members counts as correct.</summary>
public sealed record ClassGroup(string Name, IReadOnlyList<int> Ids);

/// <summary>Scores of a <see cref="ClassGroup"/>: F1 = 2·|gt∈G ∧ pred∈G| / (|gt∈G| + |pred∈G|).</summary>
public sealed record GroupScore(string Name, double F1, double IoU, long GtPixels, long PredPixels, long TruePositives);

/// <summary>Merged-class scores from a confusion matrix, and the Helen groups of SPEC §3.</summary>
/// <remarks>Helen reports eyes (both eyes), brows (both brows), mouth (upper lip + inner mouth + lower lip) and overall
/// (eyes ∪ brows ∪ nose ∪ mouth). These are extra numbers: they are not part of mean F1.</remarks>
public static class ClassGroups
{
    /// <summary>The Helen groups, found by concept in <paramref name="set"/> (works for any set holding those classes).</summary>
    public static IReadOnlyList<ClassGroup> Helen(LabelSet set)
    {
        int[] Ids(params string[] concepts) => [.. concepts.Select(c => set.TryGetIdByConcept(c, out int id) ? id
            : throw new ArgumentException($"Label set '{set.Name}' has no class for '{c}', needed by the Helen groups."))];
        int[] eyes = Ids("l_eye", "r_eye"), brows = Ids("l_brow", "r_brow"), nose = Ids("nose"), mouth = Ids("u_lip", "mouth", "l_lip");
        return
        [
            new ClassGroup("eyes", eyes),
            new ClassGroup("brows", brows),
            new ClassGroup("mouth", mouth),
            new ClassGroup("overall", [.. eyes, .. brows, .. nose, .. mouth]),
        ];
    }

    /// <summary>Scores one group. Shape: matrix [C, C] → sums over the group's rows/columns.</summary>
    public static GroupScore Score(ConfusionMatrix matrix, ClassGroup group)
    {
        int n = matrix.NumClasses;
        var inGroup = new bool[n];
        foreach (int id in group.Ids)
        {
            if ((uint)id >= (uint)n) throw new ArgumentException($"Group '{group.Name}' holds id {id}, outside 0..{n - 1}.");
            inGroup[id] = true;
        }
        var counts = matrix.ToArray();
        long gt = 0, pred = 0, tp = 0;
        for (int g = 0; g < n; g++)
        {
            for (int p = 0; p < n; p++)
            {
                long c = counts[g * n + p];
                if (inGroup[g]) gt += c;
                if (inGroup[p]) pred += c;
                if (inGroup[g] && inGroup[p]) tp += c;
            }
        }
        return new GroupScore(group.Name, SegmentationScores.Ratio(2 * tp, gt + pred), SegmentationScores.Ratio(tp, gt + pred - tp), gt, pred, tp);
    }

    /// <summary>Scores several groups.</summary>
    public static IReadOnlyList<GroupScore> Score(ConfusionMatrix matrix, IEnumerable<ClassGroup> groups) =>
        [.. groups.Select(g => Score(matrix, g))];
}
