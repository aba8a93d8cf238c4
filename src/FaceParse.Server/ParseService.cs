using System.Diagnostics;
using FaceParse.Imaging;
using FaceParse.Imaging.Geometry;
using FaceParse.Inference;

namespace FaceParse.Server;

/// <summary>One parse: decodes the upload within the pixel limit, picks the region(s) to parse, runs the shared model and
/// keeps what the answer needs. Thread-safe (holds only the catalog, the options and an optional detector).</summary>
public sealed class ParseService(ModelCatalog catalog, ServerOptions options, IFaceDetector? detector = null)
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

    /// <summary>Checks the request against the model and photo (sizes, boxes) and parses. 400 for combinations the limits refuse.</summary>
    public ParseOutcome Parse(ParseRequest request, Image photo)
    {
        var served = catalog.Get(request.Model);
        var model = served.Model;
        var notes = new List<string>();
        var faces = request.Faces;
        IReadOnlyList<FaceBox> boxes = faces.Boxes;
        string facesSource = faces.Mode == FacesMode.Boxes ? "given" : "whole";
        if (faces.Mode == FacesMode.Auto)
        {
            if (detector is null)
            {
                notes.Add("faces=auto: this build has no face detector yet; parsed the whole photo.");
            }
            else
            {
                boxes = detector.Detect(photo);
                facesSource = "detected:" + detector.Name;
                if (boxes.Count == 0) notes.Add($"faces=auto: {detector.Name} found no face; parsed the whole photo.");
            }
        }

        var parserOptions = new FaceParserOptions { InputSize = request.Size, KeepLogits = request.Out == OutKind.Logits };
        var parser = new FaceParser(model, parserOptions);
        var stopwatch = Stopwatch.StartNew();
        ParseResult result;
        var reports = new List<FaceReport>();
        if (boxes.Count == 0)
        {
            var size = request.OutSize ?? FitWithin(photo.Width, photo.Height, options.MaxOutPixels);
            if (request.OutSize is null && (size.Width, size.Height) != (photo.Width, photo.Height))
                notes.Add($"The photo has more than {options.MaxOutPixels} pixels; labels are at {size.Width}x{size.Height} (ask for another size with out_size).");
            CheckLogits(model.Labels.Count, size.Width, size.Height, request);
            result = parser.Parse(photo, size);
        }
        else
        {
            foreach (var box in boxes)
            {
                FaceBox region;
                try { region = box.Expand(parserOptions.FaceMargin, photo.Width, photo.Height); }
                catch (ArgumentException e) { throw ApiException.BadRequest("bad_faces", $"faces: {e.Message}"); }
                if ((long)region.Width * region.Height > options.MaxOutPixels)
                    throw ApiException.BadRequest("bad_faces", $"faces: the grown box {region} has more than {options.MaxOutPixels} pixels.");
                reports.Add(new FaceReport(box.X, box.Y, box.Width, box.Height, new BoxJson(region.X, region.Y, region.Width, region.Height), facesSource));
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

/// <summary>A face in the JSON: the box (photo pixels), the grown region that was parsed, and where the box came from.</summary>
public sealed record FaceReport(int X, int Y, int Width, int Height, BoxJson Region, string Source);

public sealed record BoxJson(int X, int Y, int Width, int Height);
