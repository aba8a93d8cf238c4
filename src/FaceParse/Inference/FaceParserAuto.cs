using FaceParse.Detection;
using FaceParse.Imaging;
using FaceParse.Imaging.Geometry;
using FaceParse.Tensors;

namespace FaceParse.Inference;

/// <summary>How <see cref="FaceParser.Parse"/> treats a photo.</summary>
public enum FaceMode
{
    /// <summary>Detect faces, align each to the model's template, parse, and map the labels back onto the photo's pixels.</summary>
    Auto,
    /// <summary>Squeeze the whole photo into the model's input (right for photos that already are training-style crops).</summary>
    Whole,
}

/// <summary>One face of an <see cref="FaceMode.Auto"/> parse: the detection, the photo rectangle its aligned frame covers,
/// and its labels there (row-major, Region.Width·Region.Height; background where the frame does not reach).</summary>
public sealed record ParsedFace(DetectedFace Face, FaceBox Region, byte[] LabelMap);

public sealed partial class FaceParser
{
    /// <summary>Faces smaller than this (box side in photo pixels) are reported in <see cref="ParseResult.Faces"/>' warnings
    /// but not parsed: the aligned frame would be mostly upsampled blur.</summary>
    public const float MinParsedFace = 20;

    // Auto mode: detect → align (similarity, bilinear; through the description's tanh warp if it has one) → network → logits queried at every covered photo pixel's aligned
    // coordinates (ForwardAt; FP-LIIF answers from its continuous decoder; with another Engine, its logits at the input size
    // sampled bilinearly) → per pixel the face whose softmax maximum is
    // highest wins; pixels outside every face's frame are background. No face: a warning and the Whole behaviour.
    private ParseResult ParseAuto(Image photo)
    {
        using var noGrad = GradMode.NoGrad(); // inference: no graph (a caller's recording mode would otherwise keep every intermediate)
        var detector = Options.Detector ?? DefaultDetector.Value;
        var all = detector.Detect(photo);
        var warnings = new List<string>();
        var faces = all.Where(f => Math.Max(f.Width, f.Height) >= MinParsedFace).ToList();
        if (faces.Count < all.Count) warnings.Add($"{all.Count - faces.Count} face(s) smaller than {MinParsedFace} px were found but not parsed.");
        if (faces.Count == 0)
        {
            warnings.Add("No face found; the whole photo was parsed (--faces whole).");
            return ParseWhole(photo, null).With([], warnings);
        }
        int width = photo.Width, height = photo.Height, plane = width * height, k = Labels.Count, size = InputSize;
        var template = Model.Description.FaceTemplate is { } t ? new FaceTemplate(t) : FaceTemplate.CelebAMaskHq;
        var warp = new TanhWarp(Model.Description.FaceWarp ?? 0);
        float reach = (float)warp.Reach; // how far (normalised aligned coordinates) the input sees: 1 without a warp
        var labelMap = new byte[plane];
        var confidence = new float[plane];
        float[]? logitPlanes = Options.KeepLogits || Options.KeepProbabilities ? new float[k * plane] : null;
        if (logitPlanes is not null) logitPlanes.AsSpan(plane).Fill(float.NegativeInfinity);
        var parsed = new List<ParsedFace>();
        var frames = faces.Select(f => (Face: f, ToAligned: template.PhotoToAligned(f, size))).ToList();
        CheckBudget(EstimateAutoBytes(width, height, frames.Select(f => Footprint(f.ToAligned.Invert(), size, reach, width, height))),
            $"{width}x{height} labels of {faces.Count} detected face(s)");
        foreach (var (face, toAligned) in frames)
        {
            var region = Footprint(toAligned.Invert(), size, reach, width, height);
            if (region is not { } r) continue;
            var faceLabels = new byte[r.Width * r.Height];
            using (new TensorScope())
            {
                var input = ModelInput.FromPhoto(FaceTemplate.Warp(photo, toAligned, size, warp), size);
                var coords = Tensor.Empty(1, r.Height, r.Width, 2);
                var inside = new bool[r.Width * r.Height];
                var c = coords.Span;
                for (int y = 0; y < r.Height; y++)
                    for (int x = 0; x < r.Width; x++)
                    {
                        var (u, v) = toAligned.Apply(r.X + x, r.Y + y);
                        double ax = (2 * u + 1) / size - 1, ay = (2 * v + 1) / size - 1; // normalised aligned coordinates
                        int i = y * r.Width + x;
                        inside[i] = Math.Abs((float)ax) <= reach && Math.Abs((float)ay) <= reach;
                        c[2 * i] = Math.Clamp((float)warp.Forward(ax), -1f, 1f); // the input's grid coordinates
                        c[2 * i + 1] = Math.Clamp((float)warp.Forward(ay), -1f, 1f);
                    }
                ReadOnlySpan<float> logits = (Options.Engine is { } engine // another engine runs the aligned frame; its logits are warped back bilinearly
                    ? engine.Forward(Model, input, size, size).GridSample(coords, GridSampleMode.Bilinear, GridPadding.Border, alignCorners: false)
                    : Model.ForwardAt(input, coords)).Contiguous().Span; // [1, K, Hr, Wr], read in place (the scope's, until it ends)
                int n = r.Width * r.Height;
                for (int i = 0; i < n; i++)
                {
                    if (!inside[i]) continue;
                    int best = 0;
                    float max = logits[i], sum = 0;
                    for (int cls = 1; cls < k; cls++)
                        if (logits[cls * n + i] > max) (max, best) = (logits[cls * n + i], cls);
                    for (int cls = 0; cls < k; cls++) sum += MathF.Exp(logits[cls * n + i] - max);
                    float conf = 1f / sum; // the softmax maximum
                    faceLabels[i] = (byte)best;
                    int p = (r.Y + i / r.Width) * width + r.X + i % r.Width;
                    if (conf <= confidence[p]) continue;
                    confidence[p] = conf;
                    labelMap[p] = (byte)best;
                    if (logitPlanes is not null)
                        for (int cls = 0; cls < k; cls++) logitPlanes[cls * plane + p] = logits[cls * n + i];
                }
            }
            parsed.Add(new ParsedFace(face, r, faceLabels));
        }
        Tensor? probabilities = null, kept = null;
        if (logitPlanes is not null)
        {
            if (Options.KeepProbabilities)
                using (new TensorScope())
                    probabilities = Tensor.Unpooled(Tensor.FromArray(logitPlanes, 1, k, height, width).Softmax(1).ToArray(), k, height, width);
            if (Options.KeepLogits) kept = Tensor.Unpooled(logitPlanes, k, height, width);
        }
        return new ParseResult(Labels, width, height, labelMap, probabilities, kept).With(parsed, warnings);
    }

    // Auto mode's peak: the photo-sized label map and confidence plane (5 bytes a pixel), kept logits/probabilities (as
    // EstimateBytes counts them), and for the largest face region its query grid, masks and labels (10 bytes a pixel) plus
    // its logits twice (the network's tensor, and a contiguous copy when an engine's warp hands back a view), plus the
    // network at the input size and 64 MiB.
    private long EstimateAutoBytes(int width, int height, IEnumerable<FaceBox?> regions)
    {
        long plane = (long)width * height, k = Labels.Count;
        int kept = (Options.KeepProbabilities ? 1 : 0) + (Options.KeepLogits ? 1 : 0);
        long largest = regions.Select(r => r is { } b ? (long)b.Width * b.Height : 0).DefaultIfEmpty(0).Max();
        return 5 * plane + (kept > 0 ? (1 + 2 * kept) * 4 * k * plane : 0) + largest * (10 + 8 * k) + 256L * InputSize * InputSize + (64L << 20);
    }

    // the photo rectangle covered by the aligned frame's normalised square [-reach, reach]² (reach 1: pixels [0, size)²; its
    // corners mapped back), clipped; null when outside
    private static FaceBox? Footprint(AffineTransform alignedToPhoto, int size, double reach, int width, int height)
    {
        double x0 = double.MaxValue, y0 = double.MaxValue, x1 = double.MinValue, y1 = double.MinValue;
        double lo = (1 - reach) * size / 2 - 0.5, hi = (1 + reach) * size / 2 - 0.5;
        foreach (var (u, v) in new (double, double)[] { (lo, lo), (hi, lo), (lo, hi), (hi, hi) })
        {
            var (x, y) = alignedToPhoto.Apply(u, v);
            (x0, y0, x1, y1) = (Math.Min(x0, x), Math.Min(y0, y), Math.Max(x1, x), Math.Max(y1, y));
        }
        int left = Math.Max(0, (int)Math.Floor(x0)), top = Math.Max(0, (int)Math.Floor(y0));
        int right = Math.Min(width, (int)Math.Ceiling(x1) + 1), bottom = Math.Min(height, (int)Math.Ceiling(y1) + 1);
        return right > left && bottom > top ? new FaceBox(left, top, right - left, bottom - top) : null;
    }

    private static readonly Lazy<MtcnnDetector> DefaultDetector = new(() => MtcnnDetector.Load());
}
