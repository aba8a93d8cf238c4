using System.Globalization;

namespace FaceParse.Data;

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
