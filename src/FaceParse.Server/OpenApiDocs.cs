using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace FaceParse.Server;

/// <summary>What the generated OpenAPI document cannot infer: the title and the upload body of <c>POST /v1/parse</c> (read by
/// hand, so that content types are checked with our own 415 answer rather than by routing).</summary>
internal static class OpenApiDocs
{
    public static Task DescribeDocument(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "FaceParse API";
        document.Info.Description = "Face parsing (per-pixel face-part labels) over HTTP. Errors are problem JSON with a stable 'code'.";
        return Task.CompletedTask;
    }

    private static readonly Dictionary<string, string> ParameterDescriptions = new()
    {
        ["model"] = "A served model's name (GET /v1/models); default: the first served model.",
        ["out"] = "json (default), labels (palette PNG), overlay (PNG), masks (zip of PNGs), logits (float32 .npy [K,H,W]).",
        ["size"] = "Network input side (the photo is resized to size x size); default: the model's training size.",
        ["out_size"] = "Label map size: original (default), N or WxH. FP-LIIF decodes at any resolution.",
        ["faces"] = "auto (default: MTCNN detects, aligns and parses each face, labels mapped back; no face → whole photo with a note; whole-photo parse when out_size is given), whole, or boxes x,y,w,h;x,y,w,h in photo pixels.",
        ["alpha"] = "Overlay opacity 0..1 (out=overlay), default 0.5.",
        ["include"] = "label_map: add the class ids (base64 bytes) and the palette PNG (base64) to out=json.",
    };

    public static Task DescribeUpload(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
            if (parameter.Name is { } name && ParameterDescriptions.TryGetValue(name, out var text)) parameter.Description = text;
        OpenApiSchema Binary() => new() { Type = JsonSchemaType.String, Format = "binary" };
        operation.RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Description = "The photo (PNG, JPEG, BMP or binary Netpbm): a multipart form with a 'file' field, or the raw bytes.",
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["multipart/form-data"] = new()
                {
                    Schema = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Object,
                        Properties = new Dictionary<string, IOpenApiSchema> { ["file"] = Binary() },
                        Required = new HashSet<string> { "file" },
                    },
                },
                ["image/*"] = new() { Schema = Binary() },
                ["application/octet-stream"] = new() { Schema = Binary() },
            },
        };
        return Task.CompletedTask;
    }
}
