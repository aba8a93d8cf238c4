using Microsoft.AspNetCore.Http;

namespace FaceParse.Server;

/// <summary>Serves the single self-contained page (an embedded resource) with a policy that forbids loading anything from elsewhere.</summary>
internal static class PageEndpoint
{
    private static readonly Lazy<byte[]> Html = new(() =>
    {
        using var stream = typeof(PageEndpoint).Assembly.GetManifestResourceStream("FaceParse.Server.Page.index.html")
            ?? throw new InvalidOperationException("The page resource is missing from the assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' blob: data:; connect-src 'self'; " +
        "form-action 'none'; base-uri 'none'; frame-ancestors 'none'";

    public static IResult Serve(HttpContext context)
    {
        context.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        context.Response.Headers.XContentTypeOptions = "nosniff";
        return Results.Bytes(Html.Value, "text/html; charset=utf-8");
    }
}
