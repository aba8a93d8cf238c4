namespace FaceParse.Labels;

/// <summary>An ordered set of face-parsing classes: ids 0..Count-1 (0 = background), names, canonical concepts and colours.</summary>
/// <remarks>Instances come from <see cref="LabelSets"/>; they are immutable. A mask written in this set stores the class id as the
/// pixel value (8-bit gray) or palette index; 255 is reserved for "ignore".</remarks>
public sealed class LabelSet
{
    /// <summary>The value masks use for "ignore this pixel" (never a class id).</summary>
    public const byte IgnoreLabel = 255;

    private readonly LabelClass[] _classes;
    private readonly Dictionary<string, int> _byName;
    private readonly Dictionary<string, int> _byConcept;
    private readonly byte[] _flipLut;

    internal LabelSet(string name, string displayName, SideConvention sides, string description, LabelClass[] classes)
    {
        if (classes.Length is < 2 or > 255) throw new ArgumentException($"A label set needs 2..255 classes, got {classes.Length}.");
        for (int i = 0; i < classes.Length; i++)
        {
            if (classes[i].Id != i) throw new ArgumentException($"{name}: class at position {i} has id {classes[i].Id}.");
        }
        Name = name;
        DisplayName = displayName;
        Sides = sides;
        Description = description;
        _classes = classes;
        _byName = classes.ToDictionary(c => c.Name, c => c.Id, StringComparer.OrdinalIgnoreCase);
        _byConcept = classes.ToDictionary(c => c.Concept, c => c.Id, StringComparer.Ordinal);
        _flipLut = BuildFlipLut();
    }

    /// <summary>Registry key, lower case (e.g. <c>celebamask-hq</c>).</summary>
    public string Name { get; }
    public string DisplayName { get; }
    /// <summary>What "left" means in this set's own class names.</summary>
    public SideConvention Sides { get; }
    /// <summary>Where the order comes from and any caveats.</summary>
    public string Description { get; }
    /// <summary>Version of the whole label table (<see cref="LabelSets.Version"/>).</summary>
    public string Version => LabelSets.Version;
    public IReadOnlyList<LabelClass> Classes => _classes;
    public int Count => _classes.Length;
    /// <summary>Largest valid class id (Count - 1).</summary>
    public int MaxId => _classes.Length - 1;
    public LabelClass this[int id] => _classes[id];

    /// <summary>Horizontal-flip LUT: entry v = the label of a pixel of class v after mirroring the image (left/right pairs swapped,
    /// other classes and out-of-range values unchanged). An involution.</summary>
    public ReadOnlySpan<byte> FlipLut => _flipLut;

    /// <summary>Id of a class by its name in this set (case-insensitive).</summary>
    /// <exception cref="KeyNotFoundException">No such class; the message lists the valid names.</exception>
    public int IdOf(string className) => TryGetId(className, out int id) ? id
        : throw new KeyNotFoundException($"Label set '{Name}' has no class '{className}'. Valid names: {string.Join(", ", _classes.Select(c => c.Name))}.");

    public bool TryGetId(string className, out int id) => _byName.TryGetValue(className, out id);

    /// <summary>Id of the class denoting a canonical concept (subject-side naming), if this set has one.</summary>
    public bool TryGetIdByConcept(string concept, out int id) => _byConcept.TryGetValue(concept, out id);

    /// <summary>Palette for PNG writing: RGB triples, entry i = colour of class i; with <paramref name="entries"/> &gt; Count the
    /// rest is black (pass 256 for a full table). Entry 255 (ignore) is white when present.</summary>
    public byte[] PaletteRgb(int? entries = null)
    {
        int n = entries ?? Count;
        if (n < Count || n > 256) throw new ArgumentOutOfRangeException(nameof(entries), $"A palette of '{Name}' needs {Count}..256 entries, got {n}.");
        var palette = new byte[3 * n];
        foreach (var c in _classes) (palette[3 * c.Id], palette[3 * c.Id + 1], palette[3 * c.Id + 2]) = (c.R, c.G, c.B);
        if (n == 256) palette.AsSpan(3 * IgnoreLabel, 3).Fill(255);
        return palette;
    }

    /// <summary>Mirrors the labels of a horizontally flipped image in place (apply after flipping the pixels).</summary>
    /// <remarks>Shape: labels [N] → [N].</remarks>
    public void SwapSides(Span<byte> labels)
    {
        var lut = _flipLut;
        for (int i = 0; i < labels.Length; i++) labels[i] = lut[labels[i]];
    }

    private byte[] BuildFlipLut()
    {
        var lut = new byte[256];
        for (int v = 0; v < 256; v++) lut[v] = (byte)v;
        foreach (var c in _classes)
        {
            string? mirror = LabelClass.MirrorConcept(c.Concept);
            if (mirror is null) continue;
            if (!_byConcept.TryGetValue(mirror, out int other))
                throw new ArgumentException($"{Name}: class '{c.Name}' has no mirror class '{mirror}'.");
            lut[c.Id] = (byte)other;
        }
        return lut;
    }

    public override string ToString() => $"{Name} v{Version} ({Count} classes)";
}
