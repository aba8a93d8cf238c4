using FaceParse.Imaging;
using FaceParse.Imaging.Geometry;
using FaceParse.Labels;
using FaceParse.Tensors;

namespace FaceParse.Inference;

/// <summary>The library's front door: labels every pixel of a face photo with a face-parsing class.</summary>
/// <remarks>
/// <para>Build one parser per model and reuse it. A parse resizes the photo (bicubic) to the input size × input size, runs
/// the network without recording gradients, and decodes the logits directly at the requested output size (FP-LIIF queries
/// any resolution; by default the photo's own size, so label (x, y) belongs to photo pixel (x, y)), then takes the arg-max.</para>
/// <para>Thread safety: a parser has no mutable state (the model's weights are only read, gradient mode and tensor scopes are
/// per thread), so any number of threads may call <see cref="Parse"/> and <see cref="ParseFaces"/> on one instance at once;
/// results equal those of sequential calls. Each call also uses up to <c>Parallelism.Threads</c> threads internally.</para>
/// </remarks>
public sealed partial class FaceParser
{
    public FaceParser(SegmentationModel model, FaceParserOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= FaceParserOptions.Default;
        options.Validate();
        Model = model;
        Options = options;
    }

    /// <summary>A parser for a model file path or registered name (see <see cref="ModelRegistry"/>), e.g. "default".</summary>
    public static FaceParser Load(string model, FaceParserOptions? options = null) => new(ModelRegistry.Load(model), options);

    /// <summary>A parser for a model file read from a stream.</summary>
    public static FaceParser Load(Stream model, FaceParserOptions? options = null) => new(SegmentationModel.Load(model), options);

    public SegmentationModel Model { get; }
    public FaceParserOptions Options { get; }
    public LabelSet Labels => Model.Labels;

    /// <summary>Side of the square the network sees: the option override or the model's training size.</summary>
    public int InputSize => Options.InputSize ?? Model.InputSize;

    /// <summary>Labels of the photo at <paramref name="outSize"/> (default: the photo's size, aligned with its pixels). With
    /// <see cref="FaceParserOptions.Faces"/> = <see cref="FaceMode.Auto"/> (the default) and no <paramref name="outSize"/>,
    /// faces are detected, aligned, parsed and mapped back (see <see cref="ParseResult.Faces"/>); otherwise, or when no face is
    /// found (a warning in <see cref="ParseResult.Warnings"/>), the whole photo is squeezed into the network input.</summary>
    /// <param name="photo">Any 8-bit image: gray is replicated to RGB, alpha is ignored.</param>
    /// <param name="outSize">Width and height of the label map; any positive size (it need not keep the photo's aspect ratio).</param>
    /// <exception cref="MemoryBudgetException">The parse would need more than <see cref="FaceParserOptions.MemoryBudget"/>
    /// (checked before the network runs; see <see cref="EstimateBytes"/>).</exception>
    public ParseResult Parse(Image photo, (int Width, int Height)? outSize = null)
    {
        ArgumentNullException.ThrowIfNull(photo);
        return Options.Faces == FaceMode.Auto && outSize is null ? ParseAuto(photo) : ParseWhole(photo, outSize);
    }

    // the whole photo resized into the network input, logits decoded at outSize (default: the photo's size)
    private ParseResult ParseWhole(Image photo, (int Width, int Height)? outSize)
    {
        var (width, height) = outSize ?? (photo.Width, photo.Height);
        if (width < 1 || height < 1) throw new ArgumentOutOfRangeException(nameof(outSize), $"Output size must be positive, got {width}x{height}.");
        CheckBudget(EstimateBytes(width, height), $"{width}x{height} labels");
        int k = Labels.Count;
        var labelMap = new byte[(long)width * height];
        Tensor? probabilities = null, logits = null;
        // Everything the network computes lives in this scope; what the result keeps is copied out into unpooled storage,
        // so it stays valid whatever scope the caller has open (results never alias pooled buffers).
        using (new TensorScope())
        {
            if (Options.Engine is null && !Options.KeepProbabilities && !Options.KeepLogits)
            {
                // Labels only on the managed engine: arg-max band by band, so no K×H×W tensor is ever built.
                Model.PhotoLogitRows(photo, InputSize, height, width, (start, rows, band) =>
                {
                    using var perBand = new TensorScope(); // the arg-max of each band is returned to the pool at once
                    LabelDecoding.ArgMax(band.Reshape(1, k, rows, width)).CopyTo(labelMap.AsSpan(start * width));
                });
            }
            else
            {
                var output = Model.PhotoLogits(photo, InputSize, height, width, Options.Engine); // [1, K, H, W]
                labelMap = LabelDecoding.ArgMax(output);
                if (Options.KeepProbabilities) probabilities = Tensor.Unpooled(output.Softmax(1).ToArray(), k, height, width);
                if (Options.KeepLogits) logits = Tensor.Unpooled(output.ToArray(), k, height, width);
            }
        }
        return new ParseResult(Labels, width, height, labelMap, probabilities, logits);
    }

    /// <summary>Bytes a parse at outWidth × outHeight is budgeted at: the label map, plus K×H×W floats four times over for
    /// each of probabilities and logits when kept (the logit tensor, its softmax and the copies handed out; the logit tensor
    /// also when another <see cref="FaceParserOptions.Engine"/> runs the network or the architecture does not decode in
    /// bands), plus the network
    /// at the input size (256 bytes per input pixel, generous for the shipped models) and 64 MiB for decoder bands.</summary>
    public long EstimateBytes(int outWidth, int outHeight)
    {
        long pixels = (long)outWidth * outHeight, floats = 4L * Labels.Count * pixels;
        int kept = (Options.KeepProbabilities ? 1 : 0) + (Options.KeepLogits ? 1 : 0);
        // another engine, or an architecture without a banded decoder, holds the whole logit tensor
        bool whole = kept > 0 || Options.Engine is not null || !Model.Network.DecodesInBands;
        return pixels + (whole ? (1 + 2 * kept) * floats : 0) + 256L * InputSize * InputSize + (64L << 20);
    }

    private void CheckBudget(long needed, string what)
    {
        if (needed > Options.MemoryBudget) throw new MemoryBudgetException(needed, Options.MemoryBudget, what);
    }

    /// <summary>Labels of the faces in a photo, at the photo's size. Each box is grown by <see cref="FaceParserOptions.FaceMargin"/>
    /// (default 25 % of its size left, right and below, 50 % above), clamped to the photo, cropped and parsed at the crop's
    /// own size; the labels are pasted back in box order, so later boxes overwrite earlier ones where they overlap.</summary>
    /// <remarks>Pixels outside every grown box are background (id 0); there the kept probabilities are 1 for background and 0
    /// for other classes, and the kept logits 0 for background and −∞ for the others (the limit with those probabilities).</remarks>
    public ParseResult ParseFaces(Image photo, IReadOnlyList<FaceBox> boxes)
    {
        ArgumentNullException.ThrowIfNull(photo);
        ArgumentNullException.ThrowIfNull(boxes);
        int width = photo.Width, height = photo.Height, plane = width * height, k = Labels.Count;
        CheckBudget(EstimateBytes(width, height), $"{width}x{height} labels");
        var labelMap = new byte[plane];
        float[]? probabilities = Options.KeepProbabilities ? new float[k * plane] : null;
        float[]? logits = Options.KeepLogits ? new float[k * plane] : null;
        probabilities?.AsSpan(0, plane).Fill(1f);
        logits?.AsSpan(plane).Fill(float.NegativeInfinity);
        foreach (var box in boxes)
        {
            var region = box.Expand(Options.FaceMargin, width, height);
            var part = ParseWhole(Transforms.Crop(photo, region.X, region.Y, region.Width, region.Height), null);
            Paste<byte>(part.LabelMap, region, labelMap, width);
            PastePlanes(part.Probabilities, region, probabilities, plane, width);
            PastePlanes(part.Logits, region, logits, plane, width);
        }
        return new ParseResult(Labels, width, height, labelMap,
            probabilities is null ? null : Tensor.Unpooled(probabilities, k, height, width),
            logits is null ? null : Tensor.Unpooled(logits, k, height, width));
    }

    /// <summary>The network input for a photo: RGB (gray replicated, alpha dropped) resized bicubic to size × size, as
    /// [1, 3, size, size] in [0, 1].</summary>
    public static Tensor PrepareInput(Image photo, int size) => ModelInput.FromPhoto(photo, size);

    // planes [K, region.Height, region.Width] → destination [K, plane] rows at (region.X, region.Y); nothing when either is absent
    private static void PastePlanes(Tensor? planes, FaceBox region, float[]? destination, int plane, int destinationWidth)
    {
        if (planes is null || destination is null) return;
        var values = planes.ToArray();
        int part = region.Width * region.Height;
        for (int c = 0; c < planes.Dim(0); c++)
            Paste<float>(values.AsSpan(c * part), region, destination.AsSpan(c * plane), destinationWidth);
    }

    // the first region.Width·region.Height values of source (row-major) → destination rows at (region.X, region.Y)
    private static void Paste<T>(ReadOnlySpan<T> source, FaceBox region, Span<T> destination, int destinationWidth)
    {
        for (int row = 0; row < region.Height; row++)
            source.Slice(row * region.Width, region.Width).CopyTo(destination[((region.Y + row) * destinationWidth + region.X)..]);
    }
}
