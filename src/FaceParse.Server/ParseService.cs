using System.Diagnostics;
using FaceParse.Imaging;
using FaceParse.Imaging.Geometry;
using FaceParse.Inference;

namespace FaceParse.Server;

/// <summary>One parse: decodes the upload within the pixel limit, picks the region(s) to parse, runs the shared model and
/// keeps what the answer needs. Thread-safe (holds only the catalog and the options; the library's detector is shared).</summary>
public sealed class ParseService(ModelCatalog catalog, ServerOptions options)
{
    public ServerOptions Options => options;

    /// <summary>Header facts and pixels of an upload; 400 for anything that is not a supported image within the limit.</summary>
    public Image Decode(byte[] bytes, string? fileName)
    {
        try
        {
            var info = ImageCodec.ReadInfo(bytes, fileName);
            if ((long)info.Width * info.Height > options.MaxPixels)
                throw ApiException.BadRequest("image_too_large",
                    $"The image is {info.Width}x{info.Height} ({(long)info.Width * info.Height} pixels); this server accepts at most {options.MaxPixels} pixels.");
            if (info.Format == ImageFileFormat.Jpeg && !JpegCompleteness.IsComplete(bytes))
                throw ApiException.BadRequest("truncated_image", "The JPEG ends before its end-of-image marker: the upload was cut off or the file is damaged.");
            return ImageCodec.Decode(bytes, new ImageDecodeOptions { MaxPixels = options.MaxPixels }, fileName).Image;
        }
        catch (ImageFormatException e)
        {
            throw ApiException.BadRequest("bad_image", $"Not a readable image: {e.Message}");
        }
    }

    /// <summary>Checks the request against the model and photo (sizes, boxes) and parses. 400 for combinations the limits refuse.
    /// faces=auto is the library's <see cref="FaceMode.Auto"/> (MTCNN detect → align → parse → map back), so the answer equals
    /// <see cref="FaceParser.Parse"/> with the same options; its warnings become the notes.</summary>
    public ParseOutcome Parse(ParseRequest request, Image photo)
    {
        var served = catalog.Get(request.Model);
        var model = served.Model;
        var notes = new List<string>();
        var faces = request.Faces;
        var parserOptions = new FaceParserOptions
        {
            InputSize = request.Size,
            KeepLogits = request.Out == OutKind.Logits,
            MemoryBudget = options.MemoryBudgetMb > 0 ? (long)options.MemoryBudgetMb << 20 : FaceParserOptions.DefaultMemoryBudget,
            Faces = faces.Mode == FacesMode.Auto ? FaceMode.Auto : FaceMode.Whole,
        };
        var parser = new FaceParser(model, parserOptions);
        var stopwatch = Stopwatch.StartNew();
        ParseResult result;
        var reports = new List<FaceReport>();
        if (faces.Mode != FacesMode.Boxes)
        {
            var size = request.OutSize ?? FitWithin(photo.Width, photo.Height, options.MaxOutPixels);
            bool own = (size.Width, size.Height) == (photo.Width, photo.Height);
            if (request.OutSize is null && !own)
                notes.Add($"The photo has more than {options.MaxOutPixels} pixels; labels are at {size.Width}x{size.Height} of the whole photo" +
                    (faces.Mode == FacesMode.Auto ? " (faces=auto labels the photo's own pixels only up to that size)" : "") + " (ask for another size with out_size).");
            CheckLogits(model.Labels.Count, size.Width, size.Height, request);
            // The library detects only when no out_size is given (auto labels the photo's own pixels), as the CLI does.
            bool detect = faces.Mode == FacesMode.Auto && request.OutSize is null && own;
            if (detect) CheckAutoBudget(parser, photo);
            result = parser.Parse(photo, detect ? null : size);
            notes.AddRange(result.Warnings);
            foreach (var face in result.Faces)
            {
                var box = face.Face.ToFaceBox();
                var d = face.Face;
                reports.Add(new FaceReport(box.X, box.Y, box.Width, box.Height, new BoxJson(face.Region.X, face.Region.Y, face.Region.Width, face.Region.Height),
                    "detected:mtcnn")
                {
                    Score = d.Score,
                    Landmarks = d.Landmarks.Select((p, i) => new LandmarkJson(Detection.DetectedFace.LandmarkNames[i], p.X, p.Y)).ToList(),
                });
            }
        }
        else
        {
            IReadOnlyList<FaceBox> boxes = faces.Boxes;
            foreach (var box in boxes)
            {
                FaceBox region;
                try { region = box.Expand(parserOptions.FaceMargin, photo.Width, photo.Height); }
                catch (ArgumentException e) { throw ApiException.BadRequest("bad_faces", $"faces: {e.Message}"); }
                if ((long)region.Width * region.Height > options.MaxOutPixels)
                    throw ApiException.BadRequest("bad_faces", $"faces: the grown box {region} has more than {options.MaxOutPixels} pixels.");
                reports.Add(new FaceReport(box.X, box.Y, box.Width, box.Height, new BoxJson(region.X, region.Y, region.Width, region.Height), "given"));
            }
            CheckLogits(model.Labels.Count, photo.Width, photo.Height, request);
            if (request.OutSize is { } wanted && wanted != (photo.Width, photo.Height) && request.Out == OutKind.Logits)
                throw ApiException.BadRequest("bad_out_size", "out_size: face boxes are parsed at the photo's size; logits cannot be resampled (leave out_size out).");
            result = parser.ParseFaces(photo, boxes);
            if (request.OutSize is { } outSize && outSize != (photo.Width, photo.Height))
            {
                var labels = Resize.Apply(new Image(result.Width, result.Height, 1, result.LabelMap), outSize.Width, outSize.Height, ResizeMode.Nearest);
                result = new ParseResult(result.Labels, outSize.Width, outSize.Height, labels.Pixels);
                notes.Add("Face boxes are parsed at the photo's size; the labels were resampled (nearest) to out_size.");
            }
        }
        return new ParseOutcome(served, parser.InputSize, photo, result, faces.Mode, reports, notes, stopwatch.Elapsed.TotalMilliseconds);
    }

    /// <summary>Bytes an auto parse of the photo may need beyond <see cref="FaceParser.EstimateBytes"/> at the photo's size:
    /// per photo pixel a float of confidence, and for the largest possible face frame (the whole photo) its K logits, two
    /// query coordinates and an inside flag.</summary>
    private static long AutoExtraBytes(int classes, int width, int height) => (long)width * height * (4 + 4L * classes + 8 + 1);

    // The library's auto mode holds per-face logits at photo resolution: refuse (413) before detection when the worst case
    // does not fit the per-parse budget, as the whole-photo path does.
    private static void CheckAutoBudget(FaceParser parser, Image photo)
    {
        long needed = parser.EstimateBytes(photo.Width, photo.Height) + AutoExtraBytes(parser.Labels.Count, photo.Width, photo.Height);
        if (needed > parser.Options.MemoryBudget)
            throw new MemoryBudgetException(needed, parser.Options.MemoryBudget, $"faces=auto on {photo.Width}x{photo.Height}");
    }

    /// <summary>The largest size with the photo's aspect ratio and at most <paramref name="maxPixels"/> pixels (the photo's own
    /// size when it fits).</summary>
    public static (int Width, int Height) FitWithin(int width, int height, long maxPixels)
    {
        if ((long)width * height <= maxPixels) return (width, height);
        double scale = Math.Sqrt(maxPixels / ((double)width * height));
        return (Math.Max(1, (int)Math.Floor(width * scale)), Math.Max(1, (int)Math.Floor(height * scale)));
    }

    private void CheckLogits(int classes, int width, int height, ParseRequest request)
    {
        if (request.Out != OutKind.Logits) return;
        long bytes = 4L * classes * width * height;
        if (bytes > (long)options.MaxLogitsMb << 20)
            throw ApiException.BadRequest("logits_too_large",
                $"Logits at {width}x{height} would be {bytes >> 20} MiB, more than this server's {options.MaxLogitsMb} MiB; ask for a smaller out_size.");
    }
}

/// <summary>A finished parse with what the answer formats need.</summary>
public sealed record ParseOutcome(ServedModel Model, int InputSize, Image Photo, ParseResult Result, FacesMode FacesMode,
    IReadOnlyList<FaceReport> Faces, IReadOnlyList<string> Notes, double ParseMs);

/// <summary>A face in the JSON: the box (photo pixels), the region that was parsed (the grown box, or the photo rectangle the
/// aligned frame covers), where the box came from ("given" or "detected:mtcnn"), and for detected faces the detector's score
/// and five landmarks.</summary>
public sealed record FaceReport(int X, int Y, int Width, int Height, BoxJson Region, string Source)
{
    public float? Score { get; init; }
    public IReadOnlyList<LandmarkJson>? Landmarks { get; init; }
}

/// <summary>A detected landmark (left_eye, right_eye, nose, mouth_left, mouth_right) in photo pixels.</summary>
public sealed record LandmarkJson(string Name, float X, float Y);

public sealed record BoxJson(int X, int Y, int Width, int Height);
