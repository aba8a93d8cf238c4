using FaceParse.Imaging;
using FaceParse.Imaging.Geometry;
using FaceParse.Imaging.Rendering;
using FaceParse.Labels;
using FaceParse.Tensors;

namespace FaceParse.Inference;

/// <summary>The labels of one parsed photo: a class id per pixel (row-major, Width·Height bytes) in <see cref="Labels"/>,
/// plus the probabilities and logits when the parser was asked to keep them.</summary>
public sealed class ParseResult
{
    public ParseResult(LabelSet labels, int width, int height, byte[] labelMap, Tensor? probabilities = null, Tensor? logits = null)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(labelMap);
        if (width < 1 || height < 1 || labelMap.Length != (long)width * height)
            throw new ArgumentException($"Label map has {labelMap.Length} ids, expected {width}x{height}.");
        CheckPlanes(probabilities, labels.Count, width, height, nameof(probabilities));
        CheckPlanes(logits, labels.Count, width, height, nameof(logits));
        Labels = labels;
        Width = width;
        Height = height;
        LabelMap = labelMap;
        Probabilities = probabilities;
        Logits = logits;
    }

    public LabelSet Labels { get; }
    public int Width { get; }
    public int Height { get; }

    /// <summary>The faces an <see cref="FaceMode.Auto"/> parse found and parsed (detection, covered rectangle, labels there);
    /// empty for whole-photo parses.</summary>
    public IReadOnlyList<ParsedFace> Faces { get; private init; } = [];

    /// <summary>What the caller should know (no face found, tiny faces skipped).</summary>
    public IReadOnlyList<string> Warnings { get; private init; } = [];

    internal ParseResult With(IReadOnlyList<ParsedFace> faces, IReadOnlyList<string> warnings) =>
        new(Labels, Width, Height, LabelMap, Probabilities, Logits) { Faces = faces, Warnings = warnings };

    /// <summary>Class id of each pixel, index y·Width + x.</summary>
    public byte[] LabelMap { get; }

    /// <summary>Softmax over classes, [K, Height, Width]; null unless <see cref="FaceParserOptions.KeepProbabilities"/>.</summary>
    public Tensor? Probabilities { get; }

    /// <summary>Raw network outputs, [K, Height, Width]; null unless <see cref="FaceParserOptions.KeepLogits"/>.</summary>
    public Tensor? Logits { get; }

    /// <summary>The classes that label at least one pixel, in id order.</summary>
    public IReadOnlyList<LabelClass> PresentClasses
    {
        get
        {
            Span<bool> seen = stackalloc bool[256];
            foreach (byte id in LabelMap) seen[id] = true;
            var present = new List<LabelClass>();
            for (int id = 0; id < Labels.Count; id++)
                if (seen[id]) present.Add(Labels[id]);
            return present;
        }
    }

    /// <summary>Binary mask of a class by its name in <see cref="Labels"/>: 255 on its pixels, 0 elsewhere (one channel).</summary>
    /// <exception cref="KeyNotFoundException">The label set has no such class (the message lists the valid names).</exception>
    public Image MaskOf(string className) => MaskOf(Labels.IdOf(className));

    /// <summary>Binary mask of a class id: 255 on its pixels, 0 elsewhere (one channel).</summary>
    public Image MaskOf(int classId)
    {
        if (classId < 0 || classId >= Labels.Count)
            throw new ArgumentOutOfRangeException(nameof(classId), $"Class id {classId} is outside 0..{Labels.MaxId} of '{Labels.Name}'.");
        return LabelRenderer.ClassMask(LabelMap, Width, Height, (byte)classId);
    }

    /// <summary>The photo with every non-background pixel blended towards its class colour (RGB result). A photo of another
    /// size than the labels is first resized (bicubic) to <see cref="Width"/>×<see cref="Height"/>.</summary>
    public Image Overlay(Image photo, float alpha = 0.5f)
    {
        ArgumentNullException.ThrowIfNull(photo);
        if (photo.Width != Width || photo.Height != Height) photo = Resize.Apply(photo, Width, Height, ResizeMode.Bicubic);
        return LabelRenderer.Overlay(photo, LabelMap, Labels.PaletteRgb(), alpha);
    }

    /// <summary>The label map as a palette image: index = class id, palette = the label set's colours.</summary>
    public PaletteImage ToPaletteImage() => new(Width, Height, LabelMap, Labels.PaletteRgb());

    /// <summary>The palette PNG of <see cref="ToPaletteImage"/> (decoders that keep indices read the class ids back).</summary>
    public byte[] ToPng() => ImageCodec.Encode(ToPaletteImage(), ImageFileFormat.Png);

    private static void CheckPlanes(Tensor? planes, int classes, int width, int height, string name)
    {
        if (planes is null) return;
        if (planes.Rank != 3 || planes.Dim(0) != classes || planes.Dim(1) != height || planes.Dim(2) != width)
            throw new ArgumentException($"{name} must be [{classes}, {height}, {width}], got [{string.Join(", ", planes.Shape)}].", name);
    }
}
