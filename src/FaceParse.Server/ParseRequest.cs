using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace FaceParse.Server;

/// <summary>What <c>POST /v1/parse</c> returns.</summary>
public enum OutKind { Json, Labels, Overlay, Masks, Logits }

/// <summary>The query of a parse request, checked before the body is read: model, out, size, out_size, faces, alpha, include.</summary>
public sealed record ParseRequest(string? Model, OutKind Out, int? Size, (int Width, int Height)? OutSize, FacesRequest Faces, float Alpha, bool IncludeLabelMap)
{
    public const int MaxOutSide = 8192;

    /// <exception cref="ApiException">400 naming the bad parameter and what it accepts.</exception>
    public static ParseRequest From(IQueryCollection query, ServerOptions options)
    {
        string? Single(string key)
        {
            var values = query[key];
            if (values.Count > 1) throw ApiException.BadRequest("bad_parameter", $"{key}: give it once, not {values.Count} times.");
            return values.Count == 1 ? values[0] : null;
        }

        OutKind kind = OutKind.Json;
        string? outText = Single("out");
        if (!string.IsNullOrEmpty(outText) && (!Enum.TryParse(outText, ignoreCase: true, out kind) || int.TryParse(outText, out _)))
            throw ApiException.BadRequest("bad_out", $"out: '{outText}' is not one of json, labels, overlay, masks, logits.");

        int? size = null;
        string? sizeText = Single("size");
        if (!string.IsNullOrEmpty(sizeText))
        {
            if (!int.TryParse(sizeText, NumberStyles.None, CultureInfo.InvariantCulture, out int s) || s < 8 || s > options.MaxInputSize)
                throw ApiException.BadRequest("bad_size", $"size: '{sizeText}' is not a network input side in 8..{options.MaxInputSize}.");
            size = s;
        }

        var outSize = ParseOutSize(Single("out_size"), options);

        float alpha = 0.5f;
        string? alphaText = Single("alpha");
        if (!string.IsNullOrEmpty(alphaText)
            && (!float.TryParse(alphaText, NumberStyles.Float, CultureInfo.InvariantCulture, out alpha) || !(alpha is >= 0 and <= 1)))
            throw ApiException.BadRequest("bad_alpha", $"alpha: '{alphaText}' is not an opacity in 0..1.");

        string? include = Single("include");
        bool labelMap = false;
        foreach (string part in (include ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!part.Equals("label_map", StringComparison.OrdinalIgnoreCase))
                throw ApiException.BadRequest("bad_include", $"include: '{part}' is unknown (only label_map, for out=json).");
            labelMap = true;
        }

        return new ParseRequest(Single("model"), kind, size, outSize, FacesRequest.Parse(Single("faces")), alpha, labelMap);
    }

    /// <summary>"original"/empty → null (the photo's size); "N" → N×N; "WxH" → W×H; each side 1..8192 and the area within the limit.</summary>
    public static (int Width, int Height)? ParseOutSize(string? text, ServerOptions options)
    {
        if (string.IsNullOrEmpty(text) || text.Equals("original", StringComparison.OrdinalIgnoreCase)) return null;
        var parts = text.ToLowerInvariant().Split('x');
        var sides = new long[parts.Length];
        bool valid = parts.Length is 1 or 2;
        for (int i = 0; valid && i < parts.Length; i++)
            valid = long.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out sides[i]) && sides[i] is >= 1 and <= MaxOutSide;
        if (!valid) throw ApiException.BadRequest("bad_out_size", $"out_size: '{text}' is not original, N or WxH with sides 1..{MaxOutSide}.");
        long width = sides[0], height = sides[^1];
        if (width * height > options.MaxOutPixels)
            throw ApiException.BadRequest("bad_out_size", $"out_size: {width}x{height} is {width * height} pixels, more than this server's limit of {options.MaxOutPixels}.");
        return ((int)width, (int)height);
    }
}
