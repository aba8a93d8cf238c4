using System.CommandLine;
using FaceParse.Server;
using Microsoft.AspNetCore.Builder;

namespace FaceParse.Cli;

/// <summary>`faceparse serve`: the HTTP API (POST /v1/parse, GET /v1/models, /healthz, /metrics, /openapi/v1.json) and the page at /.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var defaults = new ServerOptions();
        var urls = new Option<string>("--urls") { Description = "Where to listen (semicolon-separated URLs).", DefaultValueFactory = _ => "http://127.0.0.1:5000" };
        var models = new Option<string[]>("--model") { Description = "A model to serve (registered name or .safetensors path); repeat for several, the first is the default.", AllowMultipleArgumentsPerToken = false };
        var maxUpload = new Option<int>("--max-upload-mb") { Description = "Largest request body in MiB (bigger: 413).", DefaultValueFactory = _ => defaults.MaxUploadMb };
        var concurrency = new Option<int>("--max-concurrency") { Description = "Parses that run at once.", DefaultValueFactory = _ => defaults.MaxConcurrency };
        var queue = new Option<int>("--max-queue") { Description = "Requests that may wait for a parse slot (beyond: 503 with Retry-After).", DefaultValueFactory = _ => defaults.MaxQueue };
        var maxPixels = new Option<long>("--max-pixels") { Description = "Largest photo in pixels (width x height).", DefaultValueFactory = _ => defaults.MaxPixels };
        var maxOutPixels = new Option<long>("--max-out-pixels") { Description = "Largest label map in pixels.", DefaultValueFactory = _ => defaults.MaxOutPixels };
        var command = new Command("serve", "Serve the parse API and the web page over HTTP.") { urls, models, maxUpload, concurrency, queue, maxPixels, maxOutPixels };
        command.SetAction(result =>
        {
            var chosen = result.GetValue(models) is { Length: > 0 } named ? named : defaults.Models.ToArray();
            var options = new ServerOptions
            {
                Models = chosen,
                MaxUploadMb = result.GetValue(maxUpload),
                MaxConcurrency = result.GetValue(concurrency),
                MaxQueue = result.GetValue(queue),
                MaxPixels = result.GetValue(maxPixels),
                MaxOutPixels = result.GetValue(maxOutPixels),
            };
            options.Validate();
            var app = ServerApp.Create(["--urls", result.GetValue(urls)!], options);
            Console.WriteLine($"faceparse serve: {string.Join(", ", chosen)} on {result.GetValue(urls)} (Ctrl+C stops)");
            app.Run();
            return 0;
        });
        return command;
    }
}
