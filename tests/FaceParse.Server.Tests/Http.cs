using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace FaceParse.Server.Tests;

/// <summary>Request builders and answer checks shared by the server tests.</summary>
public static class Http
{
    public static MultipartFormDataContent Form(byte[] bytes, string fileName = "photo.png", string field = "file")
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        return new MultipartFormDataContent { { content, field, fileName } };
    }

    public static ByteArrayContent Raw(byte[] bytes, string? contentType = "image/png")
    {
        var content = new ByteArrayContent(bytes);
        if (contentType is not null) content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return content;
    }

    /// <summary>Asserts a problem-JSON error answer with this status and returns its code.</summary>
    public static async Task<string> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? code = null)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        Assert.Equal((int)status, root.GetProperty("status").GetInt32());
        string actualCode = root.GetProperty("code").GetString()!;
        Assert.False(string.IsNullOrWhiteSpace(actualCode));
        Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("detail").GetString()));
        if (code is not null) Assert.Equal(code, actualCode);
        return actualCode;
    }
}
