using System.Net;
using System.Text.Json;
using FaceParse.Imaging;
using FaceParse.Inference;
using FaceParse.Tests.Inference;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace FaceParse.Server.Tests;

/// <summary>faces=auto runs the library's detector: a photo without a face (flat grey) is parsed whole with the library's
/// warning in the notes, and auto mode refuses (413) a photo whose worst-case face logits exceed the memory budget.</summary>
public sealed class AutoFacesTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("faceparse-auto-").FullName;
    private string _tinyPath = null!;

    public ValueTask InitializeAsync()
    {
        _tinyPath = TinyModels.Save(_folder, "tiny-auto");
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
        return ValueTask.CompletedTask;
    }

    private WebApplicationFactory<Program> Factory(ServerOptions options) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(web => web.ConfigureTestServices(services => services.AddSingleton(options)));

    private static byte[] Grey(int width, int height)
    {
        var grey = new Image(width, height, 3);
        grey.Pixels.AsSpan().Fill(128);
        return ImageCodec.Encode(grey, ImageFileFormat.Png);
    }

    [Fact]
    public async Task A_photo_without_a_face_is_parsed_whole_with_the_library_warning_as_a_note()
    {
        var ct = TestContext.Current.CancellationToken;
        byte[] png = Grey(120, 100);
        var photo = ImageCodec.Decode(png).Image;
        var model = SegmentationModel.Load(_tinyPath);
        var library = new FaceParser(model).Parse(photo);
        var whole = new FaceParser(model, new FaceParserOptions { Faces = FaceMode.Whole }).Parse(photo);
        Assert.Empty(library.Faces);
        Assert.Equal(whole.LabelMap, library.LabelMap);
        await using var factory = Factory(new ServerOptions { Models = [_tinyPath] });
        using var client = factory.CreateClient();
        foreach (string query in (string[])["faces=auto&include=label_map", "include=label_map"]) // auto is the default
        {
            var response = await client.PostAsync("/v1/parse?" + query, Http.Form(png), ct);
            string body = await response.Content.ReadAsStringAsync(ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK, body);
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            Assert.Equal("auto", root.GetProperty("faces_mode").GetString());
            Assert.Equal(0, root.GetProperty("faces").GetArrayLength());
            Assert.Equal(library.Warnings, root.GetProperty("notes").EnumerateArray().Select(n => n.GetString()!).ToList());
            Assert.Contains("No face found", root.GetProperty("notes")[0].GetString());
            Assert.Equal(whole.LabelMap, Convert.FromBase64String(root.GetProperty("label_map").GetString()!));
        }
    }

    [Fact]
    public async Task Auto_mode_refuses_a_photo_whose_face_logits_would_exceed_the_budget_and_the_server_keeps_serving()
    {
        var ct = TestContext.Current.CancellationToken;
        // 2000x2000: the whole-photo labels fit a 100 MiB budget, per-pixel face logits (K floats each) do not.
        var options = new ServerOptions { Models = [_tinyPath], MemoryBudgetMb = 100 };
        var parser = new FaceParser(SegmentationModel.Load(_tinyPath), new FaceParserOptions { MemoryBudget = 100L << 20 });
        Assert.True(parser.EstimateBytes(2000, 2000) < 100L << 20);
        byte[] png = Grey(2000, 2000);
        await using var factory = Factory(options);
        using var client = factory.CreateClient();
        await Http.AssertProblemAsync(await client.PostAsync("/v1/parse?faces=auto", Http.Form(png), ct), HttpStatusCode.RequestEntityTooLarge, "over_memory_budget");
        var whole = await client.PostAsync("/v1/parse?faces=whole&out=json", Http.Form(png), ct);
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
    }
}
