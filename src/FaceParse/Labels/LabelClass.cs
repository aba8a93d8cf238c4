namespace FaceParse.Labels;

/// <summary>Which side of the SUBJECT's face a class covers (the person's own left/right, not the viewer's).</summary>
public enum SubjectSide
{
    /// <summary>Not a sided class (skin, nose, hair, ...).</summary>
    None,
    /// <summary>The subject's left: it appears on the IMAGE's right in a frontal photo.</summary>
    Left,
    /// <summary>The subject's right: it appears on the IMAGE's left in a frontal photo.</summary>
    Right,
}

/// <summary>How a label set's own names use "left"/"right".</summary>
public enum SideConvention
{
    /// <summary>Left = the subject's left (CelebAMask-HQ <c>l_</c>/<c>r_</c> and its reorderings).</summary>
    Subject,
    /// <summary>Left = the image's left, i.e. the subject's right (LaPa, Helen).</summary>
    Image,
}

/// <summary>One class of a label set: its id (= mask value), its name in that set, what it means, and its colour.</summary>
/// <param name="Id">Mask value (palette index or gray value) of the class.</param>
/// <param name="Name">The class name used by the dataset / checkpoint this set describes (e.g. <c>l_eye</c>, <c>left_eye</c>).</param>
/// <param name="DisplayName">Human-readable name; sided classes say whose side (e.g. "Left eye (subject's left)").</param>
/// <param name="Concept">The canonical CelebAMask-HQ class name this class denotes, sides in SUBJECT terms. Mapping between
/// label sets matches concepts, so LaPa <c>left_eye</c> (image left) has concept <c>r_eye</c>.</param>
/// <param name="Absorbs">Canonical concepts that this class also covers in its dataset (LaPa <c>skin</c> absorbs
/// <c>l_ear</c>/<c>r_ear</c>, since LaPa labels ears as skin). Used only when mapping INTO this set.</param>
public sealed record LabelClass(int Id, string Name, string DisplayName, string Concept, byte R, byte G, byte B, IReadOnlyList<string> Absorbs)
{
    /// <summary>The subject side of <see cref="Concept"/>: see <see cref="SidedPairs"/>.</summary>
    public SubjectSide Side => ConceptSide(Concept);

    /// <summary>Packed 0xRRGGBB.</summary>
    public int Rgb => (R << 16) | (G << 8) | B;

    /// <summary>The sided concepts. Note <c>l_lip</c> is the LOWER lip and <c>u_lip</c> the upper lip: not sided.</summary>
    public static IReadOnlyList<(string Left, string Right)> SidedPairs { get; } =
        [("l_eye", "r_eye"), ("l_brow", "r_brow"), ("l_ear", "r_ear")];

    /// <summary>The subject side a canonical concept name encodes.</summary>
    public static SubjectSide ConceptSide(string concept)
    {
        foreach (var (left, right) in SidedPairs)
        {
            if (concept == left) return SubjectSide.Left;
            if (concept == right) return SubjectSide.Right;
        }
        return SubjectSide.None;
    }

    /// <summary>The concept on the other side of the face (<c>l_eye</c> ↔ <c>r_eye</c>), or null for unsided concepts.</summary>
    public static string? MirrorConcept(string concept)
    {
        foreach (var (left, right) in SidedPairs)
        {
            if (concept == left) return right;
            if (concept == right) return left;
        }
        return null;
    }

    public override string ToString() => $"{Id} {Name} ({R},{G},{B})";
}
