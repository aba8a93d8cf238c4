using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Serialization;
using FaceParse.Imaging;
using FaceParse.Training;

namespace FaceParse.Server;

/// <summary>The bytes of a parse answer in each <see cref="OutKind"/>: palette PNG, overlay PNG, zip of class masks, .npy logits
/// or the JSON summary.</summary>
public static class ParseAnswer
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static (byte[] Body, string ContentType, string? FileName) Encode(ParseRequest request, ParseOutcome outcome, Timing timing)
    {
        var result = outcome.Result;
        switch (request.Out)
        {
            case OutKind.Labels: return (result.ToPng(), "image/png", "labels.png");
            case OutKind.Overlay: return (ImageCodec.Encode(result.Overlay(outcome.Photo, request.Alpha), ImageFileFormat.Png), "image/png", "overlay.png");
            case OutKind.Masks: return (MasksZip(outcome), "application/zip", "masks.zip");
            case OutKind.Logits:
                using (var stream = new MemoryStream())
                {
                    Npy.Write(stream, result.Logits ?? throw new InvalidOperationException("the parser kept no logits"));
                    return (stream.ToArray(), "application/octet-stream", "logits.npy");
                }
            default: return (JsonSerializer.SerializeToUtf8Bytes(Summary(request, outcome, timing), Json), "application/json", null);
        }
    }

    /// <summary>One 0/255 gray PNG per class present, named <c>&lt;class name&gt;.png</c> as `faceparse segment --emit masks` does.</summary>
    public static byte[] MasksZip(ParseOutcome outcome)
    {
        using var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var cls in outcome.Result.PresentClasses)
            {
                var entry = zip.CreateEntry(cls.Name + ".png", CompressionLevel.Fastest);
                using var entryStream = entry.Open();
                entryStream.Write(ImageCodec.Encode(outcome.Result.MaskOf(cls.Id), ImageFileFormat.Png));
            }
        }
        return stream.ToArray();
    }

    public static ParseSummary Summary(ParseRequest request, ParseOutcome outcome, Timing timing)
    {
        var result = outcome.Result;
        var counts = new long[256];
        foreach (byte id in result.LabelMap) counts[id]++;
        var labels = result.Labels.Classes
            .Select(c => new LabelJson(c.Id, c.Name, c.DisplayName, $"#{c.R:x2}{c.G:x2}{c.B:x2}", counts[c.Id]))
            .ToList();
        var model = outcome.Model.Model;
        return new ParseSummary(
            outcome.Model.Name, model.Description.Architecture, result.Labels.Name, outcome.InputSize,
            result.Width, result.Height, new SizeJson(outcome.Photo.Width, outcome.Photo.Height),
            labels, outcome.FacesMode.ToString().ToLowerInvariant(), outcome.Faces, outcome.Notes, timing)
        {
            LabelMap = request.IncludeLabelMap ? Convert.ToBase64String(result.LabelMap) : null,
            LabelMapPng = request.IncludeLabelMap ? Convert.ToBase64String(result.ToPng()) : null,
        };
    }
}

/// <summary>The JSON answer of <c>POST /v1/parse?out=json</c> (snake_case on the wire).</summary>
/// <param name="Width">Label map width (the requested out_size, else the photo's).</param>
/// <param name="Labels">Every class of the model's label set with its pixel count in the label map.</param>
/// <param name="FacesMode">whole, auto or boxes, as requested.</param>
/// <param name="Faces">The boxes parsed (given or detected), each with the grown region; empty when the whole photo was parsed.</param>
public sealed record ParseSummary(string Model, string Architecture, string LabelSet, int InputSize, int Width, int Height, SizeJson Photo,
    IReadOnlyList<LabelJson> Labels, string FacesMode, IReadOnlyList<FaceReport> Faces, IReadOnlyList<string> Notes, Timing TimingMs)
{
    /// <summary>include=label_map: the class ids, row-major, one byte each, base64.</summary>
    public string? LabelMap { get; init; }

    /// <summary>include=label_map: the palette PNG that out=labels returns, base64.</summary>
    public string? LabelMapPng { get; init; }
}

public sealed record LabelJson(int Id, string Name, string DisplayName, string Colour, long Pixels);

public sealed record SizeJson(int Width, int Height);

/// <summary>Milliseconds spent reading the upload, decoding it, waiting for a parse slot, parsing and in all (until the answer
/// was encoded).</summary>
public sealed record Timing(double Read, double Decode, double Queue, double Parse, double Total);
