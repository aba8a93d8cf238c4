using FaceParse.Imaging;
using FaceParse.Inference;

namespace FaceParse.Server;

/// <summary>Finds faces for <c>faces=auto</c>. Register an implementation in the services to enable detection; without one the
/// server parses the whole photo and says so in the JSON's notes.</summary>
public interface IFaceDetector
{
    /// <summary>Short name reported in the JSON (e.g. "mtcnn").</summary>
    string Name { get; }

    /// <summary>Face boxes in photo pixels, best first (may be empty).</summary>
    IReadOnlyList<FaceBox> Detect(Image photo);
}

/// <summary>Which part of the photo a request parses: <c>whole</c>, <c>auto</c> (detected faces) or a list of boxes
/// <c>x,y,w,h;x,y,w,h</c> in photo pixels.</summary>
public sealed record FacesRequest(FacesMode Mode, IReadOnlyList<FaceBox> Boxes)
{
    public const int MaxBoxes = 32;

    public static FacesRequest Whole { get; } = new(FacesMode.Whole, []);

    /// <exception cref="ApiException">400 when the text is neither a mode nor a valid box list.</exception>
    public static FacesRequest Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Equals("whole", StringComparison.OrdinalIgnoreCase)) return Whole;
        if (text.Equals("auto", StringComparison.OrdinalIgnoreCase)) return new(FacesMode.Auto, []);
        var parts = text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length > MaxBoxes) throw ApiException.BadRequest("bad_faces", $"faces: at most {MaxBoxes} boxes, got {parts.Length}.");
        var boxes = new List<FaceBox>();
        foreach (string part in parts)
        {
            FaceBox box;
            try { box = FaceBox.Parse(part); }
            catch (FormatException e) { throw ApiException.BadRequest("bad_faces", $"faces: {e.Message} Use whole, auto, or boxes separated by ';'."); }
            if (box.Width < 1 || box.Height < 1) throw ApiException.BadRequest("bad_faces", $"faces: box '{part}' must have a positive width and height.");
            boxes.Add(box);
        }
        return new(FacesMode.Boxes, boxes);
    }
}

public enum FacesMode { Whole, Auto, Boxes }
