namespace FaceParse.Labels;

/// <summary>The versioned table of every label set FaceParse knows, and lookup by name.</summary>
/// <remarks>
/// <para>Version "1" holds five sets. The three 19-class sets contain the same CelebAMask-HQ classes in different orders; a class
/// has the same colour (the official CelebAMask-HQ palette) in all three, so a mask looks the same whichever order it was
/// written in once converted. Names in those sets are the canonical CelebAMask-HQ names (<c>l_</c>/<c>r_</c> = the SUBJECT's
/// left/right, which appears on the IMAGE's right; <c>u_lip</c>/<c>l_lip</c> = upper/lower lip; <c>mouth</c> = inner mouth;
/// <c>eye_g</c> = eyeglasses; <c>ear_r</c> = earring; <c>neck_l</c> = necklace).</para>
/// <para>LaPa and Helen (11 classes) name their classes with IMAGE-left/right ("left_eye" lies on the image's left, i.e. it is
/// the subject's RIGHT eye, concept <c>r_eye</c>); their <see cref="LabelClass.Concept"/> records the subject-side meaning so
/// that <see cref="LabelMapping"/> swaps sides correctly. LaPa "skin" includes the ears. Helen "skin" is face skin; the SPEC
/// does not say where Helen puts ears, so no CelebAMask-HQ ear class maps into Helen (they become the unmapped value).</para>
/// <para>Any change of ids, names, concepts or colours must bump <see cref="Version"/>.</para>
/// </remarks>
public static class LabelSets
{
    /// <summary>Version of this table; written into JSON dumps and reports.</summary>
    public const string Version = "1";

    private static readonly (string Name, string Display, byte R, byte G, byte B)[] CelebAClasses =
    [
        ("background", "Background", 0, 0, 0),
        ("skin", "Skin", 204, 0, 0),
        ("nose", "Nose", 76, 153, 0),
        ("eye_g", "Eyeglasses", 204, 204, 0),
        ("l_eye", "Left eye (subject's left)", 51, 51, 255),
        ("r_eye", "Right eye (subject's right)", 204, 0, 204),
        ("l_brow", "Left eyebrow (subject's left)", 0, 255, 255),
        ("r_brow", "Right eyebrow (subject's right)", 255, 204, 204),
        ("l_ear", "Left ear (subject's left)", 102, 51, 0),
        ("r_ear", "Right ear (subject's right)", 255, 0, 0),
        ("mouth", "Inner mouth", 102, 204, 0),
        ("u_lip", "Upper lip", 255, 255, 0),
        ("l_lip", "Lower lip", 0, 0, 153),
        ("hair", "Hair", 0, 0, 204),
        ("hat", "Hat", 255, 51, 153),
        ("ear_r", "Earring", 0, 204, 204),
        ("neck_l", "Necklace", 0, 51, 0),
        ("neck", "Neck", 255, 153, 51),
        ("cloth", "Clothing", 0, 204, 0),
    ];

    private static readonly string[] SegFaceOrder =
        ["background", "neck", "skin", "cloth", "l_ear", "r_ear", "l_brow", "r_brow", "l_eye", "r_eye", "nose", "mouth",
         "l_lip", "u_lip", "hair", "eye_g", "hat", "ear_r", "neck_l"];

    private static readonly string[] BiSeNetOrder =
        ["background", "skin", "l_brow", "r_brow", "l_eye", "r_eye", "eye_g", "l_ear", "r_ear", "ear_r", "nose", "mouth",
         "u_lip", "l_lip", "neck", "neck_l", "cloth", "hair", "hat"];

    /// <summary>SegFace palette of the 11-class sets (LaPa, Helen), by id.</summary>
    private static readonly (byte R, byte G, byte B)[] ElevenClassPalette =
    [
        (0, 0, 0), (0, 153, 255), (102, 255, 153), (0, 204, 153), (255, 255, 102), (255, 255, 204),
        (255, 153, 0), (255, 102, 255), (102, 0, 51), (255, 204, 255), (255, 0, 102),
    ];

    /// <summary>(name in the set, display name, canonical concept) of the 11 LaPa/Helen classes, by id; "left" = IMAGE left.</summary>
    private static readonly (string Name, string Display, string Concept)[] ElevenClasses =
    [
        ("background", "Background", "background"),
        ("skin", "Skin", "skin"),
        ("left_eyebrow", "Left eyebrow (image left = subject's right)", "r_brow"),
        ("right_eyebrow", "Right eyebrow (image right = subject's left)", "l_brow"),
        ("left_eye", "Left eye (image left = subject's right)", "r_eye"),
        ("right_eye", "Right eye (image right = subject's left)", "l_eye"),
        ("nose", "Nose", "nose"),
        ("upper_lip", "Upper lip", "u_lip"),
        ("inner_mouth", "Inner mouth", "mouth"),
        ("lower_lip", "Lower lip", "l_lip"),
        ("hair", "Hair", "hair"),
    ];

    /// <summary>CelebAMask-HQ official order (switchablenorms g_mask.py), official palette.</summary>
    public static LabelSet CelebAMaskHq { get; } = Reordered("celebamask-hq", "CelebAMask-HQ (official order)",
        "CelebAMask-HQ official 19-class order and palette; l_/r_ = subject's left/right.", [.. CelebAClasses.Select(c => c.Name)]);

    /// <summary>SegFace / FaRL order of the 19 CelebAMask-HQ classes.</summary>
    public static LabelSet SegFace { get; } = Reordered("segface", "CelebAMask-HQ (SegFace/FaRL order)",
        "The 19 CelebAMask-HQ classes in the order of SegFace and FaRL; colours follow the official palette by class.", SegFaceOrder);

    /// <summary>BiSeNet (zllrunning face-parsing.PyTorch 79999_iter.pth, yakhyo) order of the 19 classes.</summary>
    public static LabelSet BiSeNet { get; } = Reordered("bisenet", "CelebAMask-HQ (BiSeNet face-parsing.PyTorch order)",
        "The 19 CelebAMask-HQ classes in the order of the zllrunning/yakhyo BiSeNet checkpoints; colours follow the official palette by class.",
        BiSeNetOrder);

    /// <summary>LaPa, 11 classes, SegFace palette. "left" = IMAGE left; skin includes the ears.</summary>
    public static LabelSet LaPa { get; } = Eleven("lapa", "LaPa", "Skin (ears included)", ["l_ear", "r_ear"],
        "LaPa labelmap order; left/right = IMAGE left/right (opposite to CelebAMask-HQ); skin includes the ears.");

    /// <summary>Helen (relabelled), 11 classes, SegFace palette. "left" = IMAGE left.</summary>
    public static LabelSet Helen { get; } = Eleven("helen", "Helen (relabelled)", "Face skin", [],
        "Relabelled Helen, 11 classes; left/right = IMAGE left/right; reports also merged groups (eyes, brows, mouth, overall).");

    /// <summary>Every set, in registry order.</summary>
    public static IReadOnlyList<LabelSet> All { get; } = [CelebAMaskHq, SegFace, BiSeNet, LaPa, Helen];

    /// <summary>A set by registry name (case-insensitive): celebamask-hq, segface, bisenet, lapa, helen.</summary>
    /// <exception cref="KeyNotFoundException">Unknown name; the message lists the valid names.</exception>
    public static LabelSet Get(string name) => TryGet(name, out var set) ? set
        : throw new KeyNotFoundException($"Unknown label set '{name}'. Valid names: {string.Join(", ", All.Select(s => s.Name))}.");

    public static bool TryGet(string name, out LabelSet set)
    {
        set = All.FirstOrDefault(s => string.Equals(s.Name, name.Trim(), StringComparison.OrdinalIgnoreCase))!;
        return set is not null;
    }

    private static LabelSet Reordered(string name, string display, string description, string[] order)
    {
        var classes = new LabelClass[order.Length];
        for (int id = 0; id < order.Length; id++)
        {
            var c = Array.Find(CelebAClasses, k => k.Name == order[id]);
            if (c.Name is null) throw new InvalidOperationException($"{name}: unknown class '{order[id]}'.");
            classes[id] = new LabelClass(id, c.Name, c.Display, c.Name, c.R, c.G, c.B, []);
        }
        return new LabelSet(name, display, SideConvention.Subject, description, classes);
    }

    private static LabelSet Eleven(string name, string display, string skinDisplay, string[] skinAbsorbs, string description)
    {
        var classes = new LabelClass[ElevenClasses.Length];
        for (int id = 0; id < classes.Length; id++)
        {
            var (className, classDisplay, concept) = ElevenClasses[id];
            var (r, g, b) = ElevenClassPalette[id];
            bool skin = concept == "skin";
            classes[id] = new LabelClass(id, className, skin ? skinDisplay : classDisplay, concept, r, g, b, skin ? skinAbsorbs : []);
        }
        return new LabelSet(name, display, SideConvention.Image, description, classes);
    }
}
