using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace FaceParse.Server;

/// <summary>A request the server refuses on purpose: an HTTP status, a stable machine-readable code and a message for people.</summary>
public sealed class ApiException(int status, string code, string message) : Exception(message)
{
    public int Status { get; } = status;
    public string Code { get; } = code;

    /// <summary>Seconds for a Retry-After header (503 answers).</summary>
    public int? RetryAfterSeconds { get; init; }

    public static ApiException BadRequest(string code, string message) => new(StatusCodes.Status400BadRequest, code, message);
}

/// <summary>Every error answer is RFC 9457 problem JSON: {type, title, status, detail, code}.</summary>
internal static class ApiErrors
{
    public const string ContentType = "application/problem+json";

    public static async Task WriteAsync(HttpContext context, int status, string code, string detail, int? retryAfterSeconds = null)
    {
        if (context.Response.HasStarted) return;
        context.Response.Clear();
        if (retryAfterSeconds is { } seconds) context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        context.Response.StatusCode = status;
        context.Response.ContentType = ContentType;
        var body = new Dictionary<string, object>
        {
            ["type"] = $"https://httpstatuses.io/{status}",
            ["title"] = TitleOf(status),
            ["status"] = status,
            ["code"] = code,
            ["detail"] = detail,
        };
        await JsonSerializer.SerializeAsync(context.Response.Body, body, cancellationToken: CancellationToken.None);
    }

    private static string TitleOf(int status) => status switch
    {
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        503 => "Service Unavailable",
        500 => "Internal Server Error",
        _ => "Error",
    };
}
