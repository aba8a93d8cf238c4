using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;

namespace FaceParse.Server;

/// <summary><c>POST /v1/parse</c>: query checked first (400/404 before any upload is read), then admission (503 when the queue is
/// full), then the bounded upload (413/415/400), then decode + parse + encode inside a parse slot.</summary>
internal static class ParseEndpoint
{
    // The query parameters are declared for the OpenAPI document; ParseRequest reads them (and refuses repeated ones).
    public static async Task HandleAsync(HttpContext context, ParseService service, ModelCatalog catalog, InferenceGate gate, ServerMetrics metrics,
        [FromQuery] string? model, [FromQuery(Name = "out")] string? outKind, [FromQuery] string? size,
        [FromQuery(Name = "out_size")] string? outSize, [FromQuery] string? faces, [FromQuery] string? alpha, [FromQuery] string? include)
    {
        var total = Stopwatch.StartNew();
        var options = service.Options;
        var request = ParseRequest.From(context.Request.Query, options);
        catalog.Get(request.Model);
        using var ticket = gate.TryAdmit();
        if (ticket is null)
        {
            metrics.QueueFull();
            throw new ApiException(503, "queue_full", $"All {options.MaxConcurrency} parse slots are busy and {options.MaxQueue} requests are waiting; retry shortly.")
            {
                RetryAfterSeconds = options.RetryAfterSeconds,
            };
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
            bodyLimit.MaxRequestBodySize = options.MaxUploadBytes + ServerApp.MultipartOverheadBytes;
        var (bytes, fileName) = await UploadReader.ReadAsync(context.Request, options.MaxUploadBytes, context.RequestAborted);
        double readMs = total.Elapsed.TotalMilliseconds;

        var waited = Stopwatch.StartNew();
        var (body, contentType, downloadName, outcome) = await ticket.RunAsync(() =>
        {
            double queueMs = waited.Elapsed.TotalMilliseconds;
            var decodeWatch = Stopwatch.StartNew();
            var photo = service.Decode(bytes, fileName);
            double decodeMs = decodeWatch.Elapsed.TotalMilliseconds;
            var parsed = service.Parse(request, photo);
            var timing = new Timing(Round(readMs), Round(decodeMs), Round(queueMs), Round(parsed.ParseMs), Round(total.Elapsed.TotalMilliseconds));
            var (answer, type, name) = ParseAnswer.Encode(request, parsed, timing);
            return (answer, type, name, parsed);
        }, context.RequestAborted);

        var headers = context.Response.Headers;
        headers["X-FaceParse-Model"] = outcome.Model.Name;
        headers["X-FaceParse-Size"] = $"{outcome.Result.Width}x{outcome.Result.Height}";
        if (outcome.Notes.Count > 0) headers["X-FaceParse-Notes"] = string.Join(" | ", outcome.Notes);
        if (downloadName is not null) headers.ContentDisposition = $"inline; filename=\"{downloadName}\"";
        context.Response.ContentType = contentType;
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    }

    private static double Round(double ms) => Math.Round(ms, 2, MidpointRounding.AwayFromZero);
}
