using System.Net;
using System.Text.Json;
using FaceParse.Imaging;
using FaceParse.Inference;
using FaceParse.Tests.Inference;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace FaceParse.Server.Tests;

/// <summary>faces=auto with a detector registered in the services (how MTCNN plugs in): the detected boxes are parsed like
/// ParseFaces and reported; no face found falls back to the whole photo with a note.</summary>
public sealed class DetectorPlugInTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("faceparse-detector-").FullName;
    private readonly StubDetector _detector = new();
    private WebApplicationFactory<Program> _factory = null!;
    private string _tinyPath = null!;

    private sealed class StubDetector : IFaceDetector
    {
        public IReadOnlyList<FaceBox> Boxes { get; set; } = [];
        public string Name => "stub";
        public IReadOnlyList<FaceBox> Detect(Image photo) => Boxes;
    }

    public ValueTask InitializeAsync()
    {
        _tinyPath = TinyModels.Save(_folder, "tiny-detect");
        var options = new ServerOptions { Models = [_tinyPath] };
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web => web.ConfigureTestServices(services =>
        {
            services.AddSingleton(options);
            services.AddSingleton<IFaceDetector>(_detector);
        }));
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task Detected_faces_are_parsed_and_reported_and_none_found_parses_the_whole_photo()
    {
        var ct = TestContext.Current.CancellationToken;
        var photo = TinyModels.Photo(120, 100, seed: 4);
        byte[] png = ImageCodec.Encode(photo, ImageFileFormat.Png);
        var parser = new FaceParser(SegmentationModel.Load(_tinyPath));
        using var client = _factory.CreateClient();

        _detector.Boxes = [new FaceBox(30, 30, 40, 40), new FaceBox(70, 20, 30, 30)];
        using (var json = await ParseAsync(client, png, ct))
        {
            var root = json.RootElement;
            Assert.Equal("auto", root.GetProperty("faces_mode").GetString());
            Assert.Equal(0, root.GetProperty("notes").GetArrayLength());
            var faces = root.GetProperty("faces").EnumerateArray().ToList();
            Assert.Equal(2, faces.Count);
            Assert.All(faces, f => Assert.Equal("detected:stub", f.GetProperty("source").GetString()));
            Assert.Equal(70, faces[1].GetProperty("x").GetInt32());
            Assert.Equal(parser.ParseFaces(photo, _detector.Boxes).LabelMap, Convert.FromBase64String(root.GetProperty("label_map").GetString()!));
        }

        _detector.Boxes = [];
        using (var json = await ParseAsync(client, png, ct))
        {
            var root = json.RootElement;
            Assert.Contains("stub found no face", root.GetProperty("notes")[0].GetString());
            Assert.Equal(0, root.GetProperty("faces").GetArrayLength());
            Assert.Equal(parser.Parse(photo).LabelMap, Convert.FromBase64String(root.GetProperty("label_map").GetString()!));
        }
    }

    private static async Task<JsonDocument> ParseAsync(HttpClient client, byte[] png, CancellationToken ct)
    {
        var response = await client.PostAsync("/v1/parse?faces=auto&include=label_map", Http.Form(png), ct);
        string body = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body);
    }
}
