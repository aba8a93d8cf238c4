namespace FaceParse.Labels;

/// <summary>What a source class with no counterpart in the target set becomes.</summary>
public enum UnmappedPolicy
{
    /// <summary>Target class 0 (background). Use when the target model really predicts background there.</summary>
    Background,
    /// <summary><see cref="LabelSet.IgnoreLabel"/> (255): excluded from training losses and metrics.</summary>
    Ignore,
}

/// <summary>Converts label maps between two label sets by class meaning, as a 256-entry byte lookup table.</summary>
/// <remarks>
/// <para>Classes are matched by <see cref="LabelClass.Concept"/>, the canonical CelebAMask-HQ name with SUBJECT-side
/// <c>l_</c>/<c>r_</c>. For the three 19-class orders the concept is the class name, so the mapping is "by name". For LaPa and
/// Helen, whose names use IMAGE-left, the concept is already side-swapped: LaPa <c>left_eye</c> (id 4, image left) ↔
/// CelebAMask-HQ <c>r_eye</c> (id 5, subject's right), LaPa <c>right_eyebrow</c> (3) ↔ <c>l_brow</c> (6), and so on.</para>
/// <para>When no target class has the source concept, a target class that absorbs it is used: CelebAMask-HQ <c>l_ear</c>/<c>r_ear</c>
/// → LaPa <c>skin</c> (LaPa labels ears as skin). The reverse direction cannot split LaPa skin, so LaPa <c>skin</c> → <c>skin</c>.
/// Everything else without a counterpart (e.g. <c>hat</c>, <c>neck</c>, <c>cloth</c>, <c>eye_g</c> → LaPa) becomes the
/// <see cref="UnmappedPolicy"/> value. Source value 255 (ignore) always stays 255; any other value outside the source set
/// also becomes the unmapped value.</para>
/// </remarks>
public sealed class LabelMapping
{
    private readonly byte[] _lut;

    private LabelMapping(LabelSet from, LabelSet to, UnmappedPolicy unmapped, byte[] lut)
    {
        From = from;
        To = to;
        Unmapped = unmapped;
        _lut = lut;
    }

    public LabelSet From { get; }
    public LabelSet To { get; }
    public UnmappedPolicy Unmapped { get; }

    /// <summary>The table: entry v = target label of source label v (256 entries).</summary>
    public ReadOnlySpan<byte> Lut => _lut;

    /// <summary>Target label of one source label.</summary>
    public byte this[byte sourceLabel] => _lut[sourceLabel];

    /// <summary>Copy of the table, e.g. to hand to a kernel.</summary>
    public byte[] ToArray() => (byte[])_lut.Clone();

    /// <summary>The mapping from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public static LabelMapping Create(LabelSet from, LabelSet to, UnmappedPolicy unmapped = UnmappedPolicy.Ignore)
    {
        byte fill = unmapped == UnmappedPolicy.Ignore ? LabelSet.IgnoreLabel : (byte)0;
        var lut = new byte[256];
        Array.Fill(lut, fill);
        lut[LabelSet.IgnoreLabel] = LabelSet.IgnoreLabel;
        foreach (var c in from.Classes)
        {
            int target = TargetOf(c.Concept, to);
            if (target >= 0) lut[c.Id] = (byte)target;
        }
        return new LabelMapping(from, to, unmapped, lut);
    }

    /// <summary>Shortcut with registry names.</summary>
    public static LabelMapping Create(string from, string to, UnmappedPolicy unmapped = UnmappedPolicy.Ignore) =>
        Create(LabelSets.Get(from), LabelSets.Get(to), unmapped);

    /// <summary>Maps labels in place. Shape: [N] → [N].</summary>
    public void ApplyInPlace(Span<byte> labels)
    {
        var lut = _lut;
        for (int i = 0; i < labels.Length; i++) labels[i] = lut[labels[i]];
    }

    /// <summary>Maps labels into a new array. Shape: [N] → [N].</summary>
    public byte[] Apply(ReadOnlySpan<byte> labels)
    {
        var result = labels.ToArray();
        ApplyInPlace(result);
        return result;
    }

    /// <summary>Target id for a concept: the class with that concept, else one that absorbs it, else -1.</summary>
    private static int TargetOf(string concept, LabelSet to)
    {
        if (to.TryGetIdByConcept(concept, out int id)) return id;
        foreach (var c in to.Classes)
        {
            if (c.Absorbs.Contains(concept)) return c.Id;
        }
        return -1;
    }

    /// <summary>"from → to" pairs, one per source class, for logs.</summary>
    public override string ToString() => string.Join(", ", From.Classes.Select(c =>
        $"{c.Id}:{c.Name}→{(_lut[c.Id] == LabelSet.IgnoreLabel ? "ignore" : _lut[c.Id] + ":" + To[_lut[c.Id]].Name)}"));
}
