using FaceParse.Inference;

namespace FaceParse.Server;

/// <summary>Which part of the photo a request parses: <c>auto</c> (detected faces, the default, as in the CLI), <c>whole</c> or a list of boxes
/// <c>x,y,w,h;x,y,w,h</c> in photo pixels.</summary>
public sealed record FacesRequest(FacesMode Mode, IReadOnlyList<FaceBox> Boxes)
{
    public const int MaxBoxes = 32;

    public static FacesRequest Whole { get; } = new(FacesMode.Whole, []);

    public static FacesRequest Auto { get; } = new(FacesMode.Auto, []);

    /// <exception cref="ApiException">400 when the text is neither a mode nor a valid box list.</exception>
    public static FacesRequest Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Equals("auto", StringComparison.OrdinalIgnoreCase)) return Auto;
        if (text.Equals("whole", StringComparison.OrdinalIgnoreCase)) return Whole;
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
