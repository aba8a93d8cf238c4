using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FaceParse.Server;

/// <summary>Builds the FaceParse web application: the routes, the shared models, admission control, metrics and JSON errors.</summary>
public static class ServerApp
{
    /// <summary>Multipart framing allowed on top of the upload limit before the transport itself refuses a body.</summary>
    public const long MultipartOverheadBytes = 1 << 20;

    /// <summary>A configured, not yet started application. <paramref name="options"/> null: read from the "FaceParse" configuration
    /// section (see <see cref="ServerOptions.FromConfiguration"/>). Models are loaded here, so a bad --model fails at once.</summary>
    /// <param name="args">Host arguments, e.g. ["--urls", "http://127.0.0.1:5000"].</param>
    public static WebApplication Create(string[] args, ServerOptions? options = null, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        options ??= ServerOptions.FromConfiguration(builder.Configuration);
        options.Validate();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxUploadBytes + MultipartOverheadBytes;
        });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<ModelCatalog>();
        builder.Services.AddSingleton<InferenceGate>();
        builder.Services.AddSingleton<ServerMetrics>();
        builder.Services.AddSingleton<ParseService>();
        builder.Services.AddOpenApi(o => o.AddDocumentTransformer(OpenApiDocs.DescribeDocument));
        configure?.Invoke(builder);

        var app = builder.Build();
        app.Services.GetRequiredService<ModelCatalog>(); // load every model now
        app.UseMiddleware<ErrorMiddleware>();
        app.UseStatusCodePages(async context =>
        {
            var http = context.HttpContext;
            string code = http.Response.StatusCode switch { 404 => "not_found", 405 => "method_not_allowed", _ => "error" };
            await ApiErrors.WriteAsync(http, http.Response.StatusCode, code, $"{http.Request.Method} {http.Request.Path}: {code.Replace('_', ' ')}.");
        });
        app.UseRouting();
        Map(app);
        return app;
    }

    private static void Map(WebApplication app)
    {
        app.MapGet("/", PageEndpoint.Serve).ExcludeFromDescription();
        app.MapPost("/v1/parse", ParseEndpoint.HandleAsync)
            .AddOpenApiOperationTransformer(OpenApiDocs.DescribeUpload)
            .Produces<ParseSummary>(200, "application/json")
            .Produces(200, null, "image/png", "application/zip", "application/octet-stream")
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(413).ProducesProblem(415).ProducesProblem(503)
            .WithSummary("Parse a face photo").WithTags("parse")
            .WithDescription("Send the photo as multipart/form-data (field 'file') or as a raw image body. out=json (default) returns the " +
                "summary, labels a palette PNG (index = class id), overlay the photo blended with the class colours, masks a zip of " +
                "0/255 PNGs per present class, logits a float32 .npy [K,H,W].");
        app.MapGet("/v1/models", (ModelCatalog catalog) => Results.Json(catalog.Models.Select(ModelJson.Of).ToList(), ParseAnswer.Json))
            .Produces<List<ModelJson>>().WithSummary("The served models").WithTags("models");
        app.MapGet("/healthz", (ModelCatalog catalog, InferenceGate gate) =>
                Results.Json(new { Status = "ok", Models = catalog.Models.Select(m => m.Name), Running = gate.Running, Queued = gate.Queued }, ParseAnswer.Json))
            .WithSummary("Liveness: ok once the models are loaded").WithTags("operations");
        app.MapGet("/metrics", (ServerMetrics metrics) => Results.Text(metrics.Render(), "text/plain; version=0.0.4; charset=utf-8"))
            .WithSummary("Prometheus metrics").WithTags("operations");
        app.MapOpenApi();
    }
}

/// <summary>A served model in <c>GET /v1/models</c>.</summary>
public sealed record ModelJson(string Name, string Reference, string Architecture, string LabelSet, int InputSize, long Parameters, IReadOnlyList<LabelJson> Labels)
{
    public static ModelJson Of(ServedModel served) => new(served.Name, served.Reference, served.Model.Description.Architecture,
        served.Model.Labels.Name, served.Model.InputSize, served.Model.ParameterCount,
        served.Model.Labels.Classes.Select(c => new LabelJson(c.Id, c.Name, c.DisplayName, $"#{c.R:x2}{c.G:x2}{c.B:x2}", 0)).ToList());
}

/// <summary>Counts every request for /metrics and turns refusals and failures into problem JSON (the server keeps serving).</summary>
internal sealed class ErrorMiddleware(RequestDelegate next, ServerMetrics metrics, ILogger<ErrorMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var stopwatch = Stopwatch.StartNew();
        metrics.RequestStarted();
        try
        {
            await next(context);
        }
        catch (ApiException e)
        {
            await ApiErrors.WriteAsync(context, e.Status, e.Code, e.Message, e.RetryAfterSeconds);
        }
        catch (BadHttpRequestException e)
        {
            string code = e.StatusCode == 413 ? "upload_too_large" : "bad_request";
            await ApiErrors.WriteAsync(context, e.StatusCode, code, e.Message);
        }
        catch (FaceParse.Inference.MemoryBudgetException e)
        {
            // The parse was refused before it ran (its estimate exceeds the per-image budget): the request is too large, not a fault.
            await ApiErrors.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, "over_memory_budget", e.Message + "; ask for a smaller out_size or size.");
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            context.Response.StatusCode = 499; // client closed the request; nothing is sent
        }
        catch (Exception e)
        {
            logger.LogError(e, "Request {Method} {Path} failed", context.Request.Method, context.Request.Path);
            await ApiErrors.WriteAsync(context, 500, "internal_error", "The server failed to answer this request; it keeps serving others.");
        }
        finally
        {
            string route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "other";
            metrics.RequestFinished(route, context.Response.StatusCode, stopwatch.Elapsed);
        }
    }
}
