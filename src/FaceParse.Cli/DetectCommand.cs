using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using FaceParse.Detection;
using FaceParse.Imaging;
using FaceParse.Imaging.Rendering;

namespace FaceParse.Cli;

/// <summary>`faceparse detect INPUTS... [--json] [-o OUT_DIR [--emit boxes]]`: finds faces with MTCNN and prints, per face,
/// the box (x1, y1, x2, y2 in photo pixels), the score and five landmarks; `-o` writes S.boxes.png with them drawn.
/// Photos whose longer side exceeds 2048 px are detected on a copy shrunk by ⌈side/2048⌉ (coordinates are the photo's).
/// A photo that cannot be read is reported and skipped (exit code 1); a photo without a face says so (exit code 0).</summary>
internal static class DetectCommand
{
    public static Command Create()
    {
        var inputs = new Argument<string[]>("inputs") { Description = "Photos, folders of photos, or globs such as photos/*.jpg.", Arity = ArgumentArity.OneOrMore };
        var json = new Option<bool>("--json") { Description = "Print one JSON document (files, faces, boxes, landmarks) instead of text." };
        var output = new Option<string?>("--output", "-o") { Description = "Folder for drawn outputs (created if missing)." };
        var emit = new Option<string>("--emit") { Description = "What to write into --output: boxes (S.boxes.png: boxes and landmarks drawn).", DefaultValueFactory = _ => "boxes" };
        var model = new Option<string>("--detector") { Description = "MTCNN weights file or registered name.", DefaultValueFactory = _ => MtcnnDetector.DefaultModelName };
        var minFace = new Option<float>("--min-face") { Description = "Smallest face side looked for, in pixels of the detected image (12..).", DefaultValueFactory = _ => 20f };
        var template = new Option<bool>("--template") { Description = "Also print the mean landmark positions of the largest face per photo, as fractions of the photo's width and height (an alignment template)." };
        var command = new Command("detect", "Find faces (box, score, five landmarks) with the MTCNN detector.") { inputs, json, output, emit, model, minFace, template };
        command.SetAction(result =>
        {
            string kinds = result.GetValue(emit)!.Trim();
            if (!kinds.Equals("boxes", StringComparison.OrdinalIgnoreCase)) throw new ArgumentException($"--emit: unknown output '{kinds}' (detect writes: boxes)");
            string? folder = result.GetValue(output) is { } o ? Directory.CreateDirectory(o).FullName : null;
            var (files, problems) = SegmentInputs.Expand(result.GetValue(inputs)!);
            var detector = MtcnnDetector.Load(result.GetValue(model), new FaceDetectorOptions { MinFaceSize = result.GetValue(minFace) });
            foreach (string problem in problems) Console.Error.WriteLine($"faceparse: error: {problem}");
            var stems = SegmentInputs.Stems(files);
            var documents = new JsonArray();
            var sums = new double[10];
            int failures = 0, measured = 0;
            for (int i = 0; i < files.Count; i++)
            {
                try
                {
                    var photo = ImageCodec.Load(files[i]).Image;
                    var faces = detector.Detect(photo);
                    int shrink = detector.ShrinkFactor(photo.Width, photo.Height);
                    if (faces.Count > 0)
                    {
                        var main = faces.MaxBy(f => f.Area)!;
                        for (int m = 0; m < 5; m++) (sums[2 * m], sums[2 * m + 1]) = (sums[2 * m] + main.Landmarks[m].X / photo.Width, sums[2 * m + 1] + main.Landmarks[m].Y / photo.Height);
                        measured++;
                    }
                    if (result.GetValue(json)) documents.Add(ToJson(files[i], photo, shrink, faces));
                    else Print(files[i], photo, shrink, faces);
                    if (folder is not null) ImageCodec.Save(Path.Combine(folder, stems[i] + ".boxes.png"), DrawFaces(photo, faces));
                }
                catch (Exception e) when (e is ImageFormatException or IOException or UnauthorizedAccessException or InvalidDataException or ArgumentException)
                {
                    failures++;
                    Console.Error.WriteLine($"faceparse: error: {(e.Message.StartsWith(files[i], StringComparison.Ordinal) ? e.Message : $"{files[i]}: {e.Message}")} (skipped)");
                }
            }
            if (result.GetValue(json)) Console.WriteLine(documents.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            if (result.GetValue(template) && measured > 0)
                Console.Error.WriteLine($"template ({measured} photos, x,y fractions of width/height; left eye, right eye, nose, mouth left, mouth right): " +
                    string.Join(", ", sums.Select(v => (v / measured).ToString("F4", CultureInfo.InvariantCulture))));
            return failures + problems.Count > 0 ? 1 : 0;
        });
        return command;
    }

    private static string F(float v) => v.ToString("F1", CultureInfo.InvariantCulture);

    private static void Print(string file, Image photo, int shrink, IReadOnlyList<DetectedFace> faces)
    {
        string note = shrink > 1 ? $", detected on a 1/{shrink} copy" : "";
        Console.WriteLine(faces.Count == 0 ? $"{file} ({photo.Width}x{photo.Height}{note}): no face found"
            : $"{file} ({photo.Width}x{photo.Height}{note}): {faces.Count} face(s)");
        for (int f = 0; f < faces.Count; f++)
        {
            var face = faces[f];
            var marks = string.Join(" ", DetectedFace.LandmarkNames.Select((n, m) => $"{n} ({F(face.Landmarks[m].X)}, {F(face.Landmarks[m].Y)})"));
            Console.WriteLine($"  face {f + 1}: box {F(face.X1)},{F(face.Y1)},{F(face.X2)},{F(face.Y2)} ({F(face.Width)}x{F(face.Height)}) " +
                $"score {face.Score.ToString("F4", CultureInfo.InvariantCulture)} {marks}");
        }
    }

    private static JsonObject ToJson(string file, Image photo, int shrink, IReadOnlyList<DetectedFace> faces)
    {
        var list = new JsonArray();
        foreach (var face in faces)
        {
            var marks = new JsonObject();
            for (int m = 0; m < 5; m++) marks[DetectedFace.LandmarkNames[m]] = new JsonArray(Math.Round(face.Landmarks[m].X, 2), Math.Round(face.Landmarks[m].Y, 2));
            list.Add(new JsonObject
            {
                ["box"] = new JsonArray(Math.Round(face.X1, 2), Math.Round(face.Y1, 2), Math.Round(face.X2, 2), Math.Round(face.Y2, 2)),
                ["score"] = Math.Round(face.Score, 5),
                ["landmarks"] = marks,
            });
        }
        return new JsonObject { ["file"] = file, ["width"] = photo.Width, ["height"] = photo.Height, ["shrink"] = shrink, ["faces"] = list };
    }

    /// <summary>The photo (RGB) with each face's box in green and its landmarks in red (eyes), blue (nose), yellow (mouth).</summary>
    internal static Image DrawFaces(Image photo, IReadOnlyList<DetectedFace> faces)
    {
        var canvas = photo.ToChannels(3).Clone();
        int thickness = Math.Max(2, Math.Max(photo.Width, photo.Height) / 400);
        (byte, byte, byte)[] colours = [(255, 0, 0), (255, 0, 0), (0, 96, 255), (255, 220, 0), (255, 220, 0)];
        foreach (var face in faces)
        {
            Shapes.Rectangle(canvas, face.X1, face.Y1, face.X2, face.Y2, (0, 220, 0), thickness);
            for (int m = 0; m < 5; m++) Shapes.Dot(canvas, face.Landmarks[m].X, face.Landmarks[m].Y, colours[m], thickness);
        }
        return canvas;
    }
}
