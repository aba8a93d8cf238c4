using System.Globalization;
using FaceParse.Labels;

namespace FaceParse.Data;

/// <summary>The LaPa layout (SPEC §2): <c>{train,val,test}/images/*.jpg</c>, <c>labels/*.png</c> (gray value = LaPa class id),
/// <c>landmarks/*.txt</c> ("106" then 106 (x, y) pairs). Labels use <see cref="LabelSets.LaPa"/> (left = IMAGE left).</summary>
/// <remarks>Every image needs its label PNG; a landmarks folder is optional, but when present every image needs its file.</remarks>
public sealed class LaPaDataset : FaceParsingDataset
{
    private LaPaDataset(string root, string split, IReadOnlyList<DatasetSample> samples)
        : base("lapa", root, LabelSets.LaPa, samples, ImageMaskSizeRule.Equal)
    {
        Split = split;
    }

    public string Split { get; }

    /// <param name="split">train, val or test.</param>
    public static LaPaDataset Open(string root, string split)
    {
        const string layout = "LaPa";
        if (split is not ("train" or "val" or "test")) throw new ArgumentException($"LaPa split must be train, val or test, got '{split}'.", nameof(split));
        string folder = DatasetFiles.RequireFolder(root, split, layout, "{train,val,test}/images, labels, landmarks");
        string images = DatasetFiles.RequireFolder(folder, "images", layout, "photos NAME.jpg");
        string labels = DatasetFiles.RequireFolder(folder, "labels", layout, "label PNGs NAME.png");
        string landmarks = Path.Combine(folder, "landmarks");
        bool hasLandmarks = Directory.Exists(landmarks);
        var labelByStem = DatasetFiles.ByStem(labels, [".png"], layout);
        var samples = new List<DatasetSample>();
        var missing = new List<string>();
        foreach (var (stem, image) in DatasetFiles.ByStem(images, DatasetFiles.ImageExtensions, layout).OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            string? landmark = hasLandmarks ? Path.Combine(landmarks, stem + ".txt") : null;
            if (!labelByStem.TryGetValue(stem, out var label)) missing.Add(Path.Combine(labels, stem + ".png"));
            else if (landmark is not null && !File.Exists(landmark)) missing.Add(landmark);
            else samples.Add(new DatasetSample(stem, image, label, landmark));
        }
        if (missing.Count > 0)
            throw new DatasetLayoutException($"LaPa layout at {folder}: {missing.Count} file(s) missing, e.g. {string.Join(", ", missing.Take(5))}.", folder);
        if (samples.Count == 0) throw new DatasetLayoutException($"LaPa layout: no images in {images}; {DatasetFiles.Describe(images)}", images);
        return new LaPaDataset(root, split, samples);
    }

    /// <summary>The sample's 106 landmarks.</summary>
    public static (float X, float Y)[] LoadLandmarks(DatasetSample sample) =>
        Landmarks.ReadLaPa(sample.LandmarksPath ?? throw new DatasetLayoutException($"Sample {sample.Stem} has no landmark file.", sample.ImagePath));
}

/// <summary>The Helen layout (SPEC §2): <c>{train,test}/NAME_image.jpg</c> + <c>NAME_label.png</c> (gray value = Helen class id);
/// <c>landmarks.txt</c> (68 points per image) in the split folder or the root, optional. Labels use <see cref="LabelSets.Helen"/>.</summary>
public sealed class HelenDataset : FaceParsingDataset
{
    private readonly Lazy<Dictionary<string, (float X, float Y)[]>>? _landmarks;

    private HelenDataset(string root, string split, IReadOnlyList<DatasetSample> samples, string? landmarksFile)
        : base("helen", root, LabelSets.Helen, samples, ImageMaskSizeRule.Equal)
    {
        Split = split;
        LandmarksFile = landmarksFile;
        if (landmarksFile is not null) _landmarks = new(() => Landmarks.ReadHelen(landmarksFile));
    }

    public string Split { get; }
    public string? LandmarksFile { get; }

    /// <param name="split">train or test.</param>
    public static HelenDataset Open(string root, string split)
    {
        const string layout = "Helen";
        if (split is not ("train" or "test")) throw new ArgumentException($"Helen split must be train or test, got '{split}'.", nameof(split));
        string folder = DatasetFiles.RequireFolder(root, split, layout, "NAME_image.jpg + NAME_label.png");
        var labelByName = DatasetFiles.ByStem(folder, ["_label.png"], layout);
        var samples = new List<DatasetSample>();
        var missing = new List<string>();
        foreach (var (name, image) in DatasetFiles.ByStem(folder, ["_image.jpg", "_image.jpeg", "_image.png"], layout).OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (labelByName.TryGetValue(name, out var label)) samples.Add(new DatasetSample(name, image, label));
            else missing.Add(Path.Combine(folder, name + "_label.png"));
        }
        if (missing.Count > 0)
            throw new DatasetLayoutException($"Helen layout at {folder}: {missing.Count} label file(s) missing, e.g. {string.Join(", ", missing.Take(5))}.", folder);
        if (samples.Count == 0) throw new DatasetLayoutException($"Helen layout: no NAME_image.jpg files in {folder}; {DatasetFiles.Describe(folder)}", folder);
        string? landmarks = new[] { Path.Combine(folder, "landmarks.txt"), Path.Combine(root, "landmarks.txt") }.FirstOrDefault(File.Exists);
        return new HelenDataset(root, split, samples, landmarks);
    }

    /// <summary>The sample's 68 landmarks from <see cref="LandmarksFile"/>.</summary>
    public (float X, float Y)[] LoadLandmarks(DatasetSample sample)
    {
        if (_landmarks is null) throw new DatasetLayoutException($"Helen dataset at {Root} has no landmarks.txt (looked in {Split}/ and the root).", Root);
        return _landmarks.Value.TryGetValue(sample.Stem, out var points) ? points
            : throw new DatasetLayoutException($"{LandmarksFile} has no line for {sample.Stem}.", LandmarksFile!);
    }
}

/// <summary>Facial landmark files of the LaPa and Helen layouts; points are (x, y) in image pixels.</summary>
public static class Landmarks
{
    /// <summary>A LaPa landmark file: the count "106", then 106 (x, y) pairs (whitespace-separated, any line breaks).</summary>
    /// <exception cref="DatasetLayoutException">Missing file, wrong count or a token that is not a number.</exception>
    public static (float X, float Y)[] ReadLaPa(string path)
    {
        if (!File.Exists(path)) throw new DatasetLayoutException($"LaPa landmark file {path} not found.", path);
        var tokens = File.ReadAllText(path).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (tokens.Length == 0 || !int.TryParse(tokens[0], CultureInfo.InvariantCulture, out int count) || count != 106)
            throw new DatasetLayoutException($"{path}: a LaPa landmark file starts with the count 106; found '{tokens.FirstOrDefault()}'.", path);
        return Points(tokens.AsSpan(1), count, path);
    }

    /// <summary>A Helen <c>landmarks.txt</c>: one line per image, "NAME x1 y1 … x68 y68" (separators: blanks or commas;
    /// NAME may carry the <c>_image.jpg</c> suffix). The SPEC only says "68 points per image"; this line format is our reading.</summary>
    public static Dictionary<string, (float X, float Y)[]> ReadHelen(string path)
    {
        if (!File.Exists(path)) throw new DatasetLayoutException($"Helen landmark file {path} not found.", path);
        var result = new Dictionary<string, (float X, float Y)[]>(StringComparer.Ordinal);
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            var tokens = line.Split([' ', '\t', ','], StringSplitOptions.RemoveEmptyEntries);
            if (tokens.Length == 0 || tokens[0].StartsWith('#')) continue;
            string name = tokens[0];
            foreach (var suffix in new[] { "_image.jpg", "_image.png", ".jpg", ".png" })
            {
                if (name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)) name = name[..^suffix.Length];
            }
            result[name] = Points(tokens.AsSpan(1), 68, $"{path}, line {lineNumber}");
        }
        return result;
    }

    private static (float X, float Y)[] Points(ReadOnlySpan<string> tokens, int count, string where)
    {
        if (tokens.Length != 2 * count)
            throw new DatasetLayoutException($"{where}: expected {count} (x, y) pairs = {2 * count} numbers, found {tokens.Length}.", where);
        var points = new (float X, float Y)[count];
        for (int i = 0; i < count; i++) points[i] = (Number(tokens[2 * i], where), Number(tokens[2 * i + 1], where));
        return points;
    }

    private static float Number(string token, string where) =>
        float.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) ? v
        : throw new DatasetLayoutException($"{where}: '{token}' is not a number.", where);
}
