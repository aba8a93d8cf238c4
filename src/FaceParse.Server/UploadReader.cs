using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace FaceParse.Server;

/// <summary>Reads the photo of a parse request: a raw image body (image/*, application/octet-stream or no content type) or the
/// first file part of a multipart/form-data body. Every read is bounded: 413 past the upload limit, 400 for empty or malformed
/// bodies, 415 for other content types.</summary>
internal static class UploadReader
{
    private const int MaxSections = 8;
    private const int MaxBoundaryLength = 70; // RFC 2046

    public static async Task<(byte[] Bytes, string? FileName)> ReadAsync(HttpRequest request, long limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit) throw TooLarge(limit);
        string? contentType = request.ContentType;
        MediaTypeHeaderValue? media = null;
        if (!string.IsNullOrWhiteSpace(contentType) && !MediaTypeHeaderValue.TryParse(contentType, out media))
            throw new ApiException(415, "unsupported_media_type", $"Content-Type '{contentType}' is not a media type.");
        string mediaType = media?.MediaType.Value?.ToLowerInvariant() ?? "";
        if (mediaType == "multipart/form-data") return await ReadMultipartAsync(request, media!, limit, cancellationToken);
        if (mediaType.Length > 0 && !mediaType.StartsWith("image/", StringComparison.Ordinal) && mediaType != "application/octet-stream")
            throw new ApiException(415, "unsupported_media_type",
                $"Content-Type '{mediaType}' is not accepted: send the photo as multipart/form-data (field 'file'), or as a raw body with an image/* or application/octet-stream type.");
        var bytes = await ReadLimitedAsync(request.Body, limit, cancellationToken);
        return (Require(bytes), null);
    }

    private static async Task<(byte[] Bytes, string? FileName)> ReadMultipartAsync(HttpRequest request, MediaTypeHeaderValue media, long limit, CancellationToken cancellationToken)
    {
        string boundary = HeaderUtilities.RemoveQuotes(media.Boundary).Value ?? "";
        if (boundary.Length is 0 or > MaxBoundaryLength)
            throw ApiException.BadRequest("bad_multipart", $"multipart/form-data needs a boundary of 1..{MaxBoundaryLength} characters.");
        var reader = new MultipartReader(boundary, request.Body)
        {
            HeadersCountLimit = 16,
            HeadersLengthLimit = 16 * 1024,
        };
        try
        {
            for (int i = 0; i < MaxSections; i++)
            {
                var section = await reader.ReadNextSectionAsync(cancellationToken);
                if (section is null) break;
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.IsFileDisposition()
                    && !string.Equals(HeaderUtilities.RemoveQuotes(disposition.Name).Value, "file", StringComparison.Ordinal))
                {
                    await ReadLimitedAsync(section.Body, limit, cancellationToken); // a non-file field: read past it
                    continue;
                }
                var bytes = await ReadLimitedAsync(section.Body, limit, cancellationToken);
                string? fileName = HeaderUtilities.RemoveQuotes(disposition.FileName).Value;
                return (Require(bytes), string.IsNullOrEmpty(fileName) ? null : Path.GetFileName(fileName));
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or FormatException)
        {
            throw ApiException.BadRequest("bad_multipart", $"Malformed multipart/form-data body: {e.Message}");
        }
        throw ApiException.BadRequest("no_file", $"The multipart body has no file part in its first {MaxSections} parts (send the photo in a field named 'file').");
    }

    // Reads a stream to the end, failing with 413 as soon as more than limit bytes arrive.
    private static async Task<byte[]> ReadLimitedAsync(Stream body, long limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        long total = 0;
        int n;
        while ((n = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            total += n;
            if (total > limit) throw TooLarge(limit);
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }

    private static byte[] Require(byte[] bytes) =>
        bytes.Length > 0 ? bytes : throw ApiException.BadRequest("empty_body", "The request carries no image bytes (0-byte body or file).");

    private static ApiException TooLarge(long limit) =>
        new(413, "upload_too_large", $"The upload exceeds the server's limit of {limit >> 20} MiB (faceparse serve --max-upload-mb).");
}
