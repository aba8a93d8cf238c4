using System.Globalization;
using FaceParse.Imaging;
using FaceParse.Inference;
using FaceParse.Training;

namespace FaceParse.Cli;

/// <summary>What `faceparse segment --emit` may write for a photo with stem S.</summary>
[Flags]
internal enum SegmentEmit
{
    None = 0,
    /// <summary><c>S.labels.png</c>: palette PNG, index = class id, palette = the label set's colours.</summary>
    Labels = 1,
    /// <summary><c>S.overlay.png</c>: the photo with the classes blended in (alpha 0.5, background untouched).</summary>
    Overlay = 2,
    /// <summary><c>S.masks/&lt;class&gt;.png</c>: one 0/255 gray PNG per class present in the labels.</summary>
    Masks = 4,
    /// <summary><c>S.logits.npy</c>: float32 logits K×H×W.</summary>
    Logits = 8,
}

/// <summary>Parsing of the segment options and writing of the files each <see cref="SegmentEmit"/> names (all atomically).</summary>
internal static class SegmentOutputs
{
    public static SegmentEmit ParseEmit(string text)
    {
        var emit = SegmentEmit.None;
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Enum.TryParse<SegmentEmit>(part, ignoreCase: true, out var kind) || kind == SegmentEmit.None || !Enum.IsDefined(kind) || int.TryParse(part, out _))
                throw new ArgumentException($"--emit: unknown output '{part}' (use labels, overlay, masks, logits, comma-separated)");
            emit |= kind;
        }
        return emit == SegmentEmit.None ? throw new ArgumentException("--emit: name at least one of labels, overlay, masks, logits") : emit;
    }

    /// <summary>A byte count: digits with an optional K, M or G suffix (powers of 1024); null text → null.</summary>
    public static long? ParseBytes(string? text, string option)
    {
        if (text is null) return null;
        string t = text.Trim().ToUpperInvariant().TrimEnd('B');
        int shift = t.EndsWith('K') ? 10 : t.EndsWith('M') ? 20 : t.EndsWith('G') ? 30 : 0;
        if (shift > 0) t = t[..^1];
        if (!long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out long value) || value < 1 || value > long.MaxValue >> shift)
            throw new ArgumentException($"{option}: '{text}' is not a size such as 512M, 2G or a number of bytes");
        return value << shift;
    }

    /// <summary>"original" → null (the photo's own size); "N" → N×N; "WxH" → W×H.</summary>
    public static (int Width, int Height)? ParseOutSize(string text)
    {
        if (text.Equals("original", StringComparison.OrdinalIgnoreCase)) return null;
        var parts = text.ToLowerInvariant().Split('x');
        var sizes = new int[parts.Length];
        bool valid = parts.Length is 1 or 2;
        for (int i = 0; valid && i < parts.Length; i++)
            valid = int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out sizes[i]) && sizes[i] is >= 1 and <= 16384;
        if (!valid) throw new ArgumentException($"--out-size: '{text}' is not original, N or WxH (1..16384)");
        return (sizes[0], sizes[^1]);
    }

    /// <summary>Writes the requested files for one photo into <paramref name="folder"/>, all or nothing (see
    /// <see cref="OutputSet"/>); returns how many were written.</summary>
    public static int Write(string folder, string stem, Image photo, ParseResult result, SegmentEmit emit)
    {
        var files = new List<(string Path, byte[] Bytes)>();
        if (emit.HasFlag(SegmentEmit.Labels))
            files.Add((Path.Combine(folder, stem + ".labels.png"), ImageCodec.Encode(result.ToPaletteImage(), ImageFileFormat.Png)));
        if (emit.HasFlag(SegmentEmit.Overlay))
            files.Add((Path.Combine(folder, stem + ".overlay.png"), ImageCodec.Encode(result.Overlay(photo), ImageFileFormat.Png)));
        if (emit.HasFlag(SegmentEmit.Logits))
        {
            var logits = result.Logits ?? throw new InvalidOperationException("logits were not kept by the parser");
            using var npy = new MemoryStream();
            Npy.Write(npy, logits);
            files.Add((Path.Combine(folder, stem + ".logits.npy"), npy.ToArray()));
        }
        string masks = Path.Combine(folder, stem + ".masks");
        bool createdMasks = false;
        if (emit.HasFlag(SegmentEmit.Masks))
        {
            createdMasks = !Directory.Exists(masks);
            Directory.CreateDirectory(masks);
            foreach (var cls in result.PresentClasses)
                files.Add((Path.Combine(masks, cls.Name + ".png"), ImageCodec.Encode(result.MaskOf(cls.Id), ImageFileFormat.Png)));
        }
        try
        {
            OutputSet.Write(files);
        }
        catch (IOException) when (createdMasks)
        {
            try { Directory.Delete(masks); }
            catch (IOException) { }
            throw;
        }
        return files.Count;
    }
}
