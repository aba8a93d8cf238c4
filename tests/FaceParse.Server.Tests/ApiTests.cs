using System.IO.Compression;
using System.Net;
using System.Text.Json;
using FaceParse.Imaging;
using FaceParse.Inference;
using FaceParse.Tests.Inference;
using FaceParse.Training;

namespace FaceParse.Server.Tests;

/// <summary>Every route and every out kind against the library's own answers for the same photo and settings.</summary>
[Collection(ServerCollection.Name)]
public sealed class ApiTests(ServerFixture server)
{
    private const int Size = 64;
    private HttpClient Client => server.Client;
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private FaceParser Library(bool keepLogits = false) =>
        new(server.DefaultModel, new FaceParserOptions { InputSize = Size, KeepLogits = keepLogits });

    private async Task<HttpResponseMessage> ParseAsync(string query, HttpContent? content = null)
    {
        var response = await Client.PostAsync("/v1/parse?" + query, content ?? Http.Form(Repo.SamplePhoto, "astronaut.png"), Ct);
        if (response.StatusCode != HttpStatusCode.OK) Assert.Fail($"{query}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
        return response;
    }

    [Fact]
    public async Task Labels_png_round_trips_to_the_library_label_map_for_multipart_and_raw_bodies()
    {
        var expected = Library().Parse(server.SamplePhoto, (96, 80));
        foreach (var content in new HttpContent[] { Http.Form(Repo.SamplePhoto), Http.Raw(Repo.SamplePhoto), Http.Raw(Repo.SamplePhoto, "application/octet-stream") })
        {
            var response = await ParseAsync($"size={Size}&out_size=96x80&out=labels", content);
            Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("96x80", response.Headers.GetValues("X-FaceParse-Size").Single());
            byte[] png = await response.Content.ReadAsByteArrayAsync(Ct);
            var decoded = ImageCodec.Decode(png);
            Assert.Equal((96, 80), (decoded.Info.Width, decoded.Info.Height));
            Assert.Equal(expected.LabelMap, decoded.ToLabelMap());
            Assert.Equal(expected.ToPng(), png);
            Assert.Equal(server.DefaultModel.Labels.PaletteRgb(), decoded.Palette!.Palette.AsSpan(0, expected.Labels.Count * 3).ToArray());
        }
    }

    [Fact]
    public async Task Overlay_equals_the_library_overlay_at_the_requested_opacity()
    {
        var expected = Library().Parse(server.SamplePhoto, (128, 128)).Overlay(server.SamplePhoto, 0.3f);
        var response = await ParseAsync($"size={Size}&out_size=128&out=overlay&alpha=0.3");
        var image = ImageCodec.Decode(await response.Content.ReadAsByteArrayAsync(Ct)).Image;
        Assert.Equal((128, 128, 3), (image.Width, image.Height, image.Channels));
        Assert.Equal(expected.Pixels, image.Pixels);
    }

    [Fact]
    public async Task Masks_zip_holds_one_binary_png_per_present_class_equal_to_the_library_masks()
    {
        var expected = Library().Parse(server.SamplePhoto, (100, 100));
        var response = await ParseAsync($"size={Size}&out_size=100&out=masks");
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        using var zip = new ZipArchive(new MemoryStream(await response.Content.ReadAsByteArrayAsync(Ct)));
        Assert.Equal(expected.PresentClasses.Select(c => c.Name + ".png"), zip.Entries.Select(e => e.FullName));
        Assert.True(zip.Entries.Count >= 3, "the sample photo shows at least background, skin and hair");
        foreach (var cls in expected.PresentClasses)
        {
            using var stream = zip.GetEntry(cls.Name + ".png")!.Open();
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var mask = ImageCodec.Decode(copy.ToArray()).Image;
            Assert.Equal(expected.MaskOf(cls.Id).Pixels, mask.Pixels);
        }
    }

    [Fact]
    public async Task Logits_npy_holds_the_library_logits()
    {
        var expected = Library(keepLogits: true).Parse(server.SamplePhoto, (40, 30)).Logits!;
        var response = await ParseAsync($"size={Size}&out_size=40x30&out=logits");
        var logits = Npy.Read(await response.Content.ReadAsStreamAsync(Ct));
        Assert.Equal([server.DefaultModel.Labels.Count, 30, 40], logits.Shape.ToArray());
        Assert.Equal(expected.ToArray(), logits.ToArray());
    }

    [Fact]
    public async Task Json_follows_the_documented_schema()
    {
        var expected = Library().Parse(server.SamplePhoto, (64, 48));
        var response = await ParseAsync($"size={Size}&out_size=64x48&include=label_map");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        var root = json.RootElement;
        Assert.Equal(server.DefaultModel.Name, root.GetProperty("model").GetString());
        Assert.Equal("fp-liif", root.GetProperty("architecture").GetString());
        Assert.Equal(server.DefaultModel.Labels.Name, root.GetProperty("label_set").GetString());
        Assert.Equal(Size, root.GetProperty("input_size").GetInt32());
        Assert.Equal((64, 48), (root.GetProperty("width").GetInt32(), root.GetProperty("height").GetInt32()));
        Assert.Equal((512, 512), (root.GetProperty("photo").GetProperty("width").GetInt32(), root.GetProperty("photo").GetProperty("height").GetInt32()));
        var labels = root.GetProperty("labels").EnumerateArray().ToList();
        Assert.Equal(server.DefaultModel.Labels.Count, labels.Count);
        for (int id = 0; id < labels.Count; id++)
        {
            var cls = server.DefaultModel.Labels[id];
            Assert.Equal(id, labels[id].GetProperty("id").GetInt32());
            Assert.Equal(cls.Name, labels[id].GetProperty("name").GetString());
            Assert.Equal($"#{cls.R:x2}{cls.G:x2}{cls.B:x2}", labels[id].GetProperty("colour").GetString());
            Assert.Equal(expected.LabelMap.Count(v => v == id), labels[id].GetProperty("pixels").GetInt64());
        }
        Assert.Equal("auto", root.GetProperty("faces_mode").GetString()); // the default; an out_size parses the whole photo
        Assert.Equal(0, root.GetProperty("faces").GetArrayLength());
        Assert.Equal(0, root.GetProperty("notes").GetArrayLength());
        var timing = root.GetProperty("timing_ms");
        foreach (string key in (string[])["read", "decode", "queue", "parse", "total"]) Assert.True(timing.GetProperty(key).GetDouble() >= 0, key);
        Assert.True(timing.GetProperty("parse").GetDouble() > 0);
        Assert.Equal(expected.LabelMap, Convert.FromBase64String(root.GetProperty("label_map").GetString()!));
        Assert.Equal(expected.ToPng(), Convert.FromBase64String(root.GetProperty("label_map_png").GetString()!));
        var plain = await (await ParseAsync($"size={Size}&out_size=8")).Content.ReadAsStringAsync(Ct);
        Assert.DoesNotContain("label_map", plain); // only on request
    }

    [Fact]
    public async Task Face_boxes_are_parsed_like_ParseFaces_and_reported_with_their_grown_regions()
    {
        var box = new FaceBox(150, 15, 150, 175);
        var expected = Library().ParseFaces(server.SamplePhoto, [box]);
        var response = await ParseAsync($"size={Size}&faces=150,15,150,175&include=label_map");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        var root = json.RootElement;
        Assert.Equal("boxes", root.GetProperty("faces_mode").GetString());
        var face = root.GetProperty("faces").EnumerateArray().Single();
        Assert.Equal((150, 15, 150, 175), (face.GetProperty("x").GetInt32(), face.GetProperty("y").GetInt32(), face.GetProperty("width").GetInt32(), face.GetProperty("height").GetInt32()));
        var region = box.Expand(FaceMargin.Default, 512, 512);
        var r = face.GetProperty("region");
        Assert.Equal((region.X, region.Y, region.Width, region.Height), (r.GetProperty("x").GetInt32(), r.GetProperty("y").GetInt32(), r.GetProperty("width").GetInt32(), r.GetProperty("height").GetInt32()));
        Assert.Equal("given", face.GetProperty("source").GetString());
        Assert.Equal(expected.LabelMap, Convert.FromBase64String(root.GetProperty("label_map").GetString()!));
    }

    [Fact]
    public async Task Faces_auto_answers_what_the_library_answers_with_each_face_box_score_and_landmarks()
    {
        var expected = Library().Parse(server.SamplePhoto); // the library's default: FaceMode.Auto
        Assert.NotEmpty(expected.Faces);
        var response = await ParseAsync($"size={Size}&faces=auto&include=label_map");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        var root = json.RootElement;
        Assert.Equal("auto", root.GetProperty("faces_mode").GetString());
        Assert.Equal((512, 512), (root.GetProperty("width").GetInt32(), root.GetProperty("height").GetInt32()));
        Assert.Equal(expected.LabelMap, Convert.FromBase64String(root.GetProperty("label_map").GetString()!));
        Assert.Equal(expected.Warnings, root.GetProperty("notes").EnumerateArray().Select(n => n.GetString()!).ToList());
        var faces = root.GetProperty("faces").EnumerateArray().ToList();
        Assert.Equal(expected.Faces.Count, faces.Count);
        for (int i = 0; i < faces.Count; i++)
        {
            var face = faces[i];
            var want = expected.Faces[i];
            var box = want.Face.ToFaceBox();
            Assert.Equal((box.X, box.Y, box.Width, box.Height), (face.GetProperty("x").GetInt32(), face.GetProperty("y").GetInt32(), face.GetProperty("width").GetInt32(), face.GetProperty("height").GetInt32()));
            Assert.True(box.Width > 20 && box.Height > 20, $"{box}");
            var r = face.GetProperty("region");
            Assert.Equal((want.Region.X, want.Region.Y, want.Region.Width, want.Region.Height), (r.GetProperty("x").GetInt32(), r.GetProperty("y").GetInt32(), r.GetProperty("width").GetInt32(), r.GetProperty("height").GetInt32()));
            Assert.Equal("detected:mtcnn", face.GetProperty("source").GetString());
            Assert.Equal(want.Face.Score, face.GetProperty("score").GetSingle());
            var landmarks = face.GetProperty("landmarks").EnumerateArray().ToList();
            Assert.Equal(5, landmarks.Count);
            for (int k = 0; k < 5; k++)
            {
                Assert.Equal(FaceParse.Detection.DetectedFace.LandmarkNames[k], landmarks[k].GetProperty("name").GetString());
                Assert.Equal(want.Face.Landmarks[k].X, landmarks[k].GetProperty("x").GetSingle());
                Assert.Equal(want.Face.Landmarks[k].Y, landmarks[k].GetProperty("y").GetSingle());
                Assert.InRange(landmarks[k].GetProperty("x").GetSingle(), box.X, box.X + box.Width); // inside the face's box
                Assert.InRange(landmarks[k].GetProperty("y").GetSingle(), box.Y, box.Y + box.Height);
            }
        }
        // faces left out means auto, as in the CLI
        var plain = await ParseAsync($"size={Size}&out=labels");
        Assert.Equal(expected.LabelMap, ImageCodec.Decode(await plain.Content.ReadAsByteArrayAsync(Ct)).ToLabelMap());
    }

    [Fact]
    public async Task A_second_model_is_chosen_by_name_and_a_photo_over_the_output_limit_is_parsed_at_the_largest_fitting_size()
    {
        var tiny = SegmentationModel.Load(server.TinyPath);
        var photo = TinyModels.Photo(1200, 1000, seed: 3);
        byte[] png = ImageCodec.Encode(photo, ImageFileFormat.Png);
        var (w, h) = ParseService.FitWithin(1200, 1000, server.Options.MaxOutPixels);
        Assert.True(w * h <= server.Options.MaxOutPixels && w < 1200 && Math.Abs(w / (double)h - 1.2) < 0.01, $"{w}x{h}");
        var expected = new FaceParser(tiny).Parse(photo, (w, h));
        var response = await ParseAsync($"model={tiny.Name}&out=labels", Http.Form(png));
        Assert.Equal(tiny.Name, response.Headers.GetValues("X-FaceParse-Model").Single());
        Assert.Contains("more than", response.Headers.GetValues("X-FaceParse-Notes").Single());
        Assert.Equal(expected.LabelMap, ImageCodec.Decode(await response.Content.ReadAsByteArrayAsync(Ct)).ToLabelMap());
    }

    [Fact]
    public async Task Models_lists_name_architecture_labels_input_size_and_parameters()
    {
        using var json = JsonDocument.Parse(await Client.GetStringAsync("/v1/models", Ct));
        var models = json.RootElement.EnumerateArray().ToList();
        Assert.Equal(2, models.Count);
        var first = models[0];
        Assert.Equal(server.DefaultModel.Name, first.GetProperty("name").GetString());
        Assert.Equal("default", first.GetProperty("reference").GetString());
        Assert.Equal("fp-liif", first.GetProperty("architecture").GetString());
        Assert.Equal(server.DefaultModel.InputSize, first.GetProperty("input_size").GetInt32());
        Assert.Equal(server.DefaultModel.ParameterCount, first.GetProperty("parameters").GetInt64());
        Assert.Equal(server.DefaultModel.Labels.Classes.Select(c => c.Name), first.GetProperty("labels").EnumerateArray().Select(l => l.GetProperty("name").GetString()));
        Assert.Equal("tiny-5", models[1].GetProperty("name").GetString());
    }

    [Fact]
    public async Task Healthz_metrics_openapi_and_the_page_answer()
    {
        using (var health = JsonDocument.Parse(await Client.GetStringAsync("/healthz", Ct)))
            Assert.Equal("ok", health.RootElement.GetProperty("status").GetString());

        await ParseAsync($"size={Size}&out_size=16");
        var metrics = await Client.GetAsync("/metrics", Ct);
        Assert.Equal("text/plain", metrics.Content.Headers.ContentType?.MediaType);
        string text = await metrics.Content.ReadAsStringAsync(Ct);
        Assert.Matches(@"faceparse_http_requests_total\{route=""/v1/parse"",status=""200""\} [1-9]", text);
        Assert.Matches(@"faceparse_http_requests_total\{route=""/healthz"",status=""200""\} [1-9]", text);
        foreach (string name in (string[])["faceparse_http_request_duration_seconds_bucket{le=\"+Inf\"}", "faceparse_http_request_duration_seconds_sum",
            "faceparse_http_requests_in_flight", "faceparse_parses_in_flight 0", "faceparse_queue_length 0", "faceparse_queue_full_total"])
            Assert.Contains(name, text);

        using (var openApi = JsonDocument.Parse(await Client.GetStringAsync("/openapi/v1.json", Ct)))
        {
            var paths = openApi.RootElement.GetProperty("paths");
            foreach (string path in (string[])["/v1/parse", "/v1/models", "/healthz", "/metrics"]) Assert.True(paths.TryGetProperty(path, out _), path);
            var parse = paths.GetProperty("/v1/parse").GetProperty("post");
            Assert.Equal(["model", "out", "size", "out_size", "faces", "alpha", "include"],
                parse.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
            Assert.True(parse.GetProperty("requestBody").GetProperty("content").TryGetProperty("multipart/form-data", out _));
        }

        var page = await Client.GetAsync("/", Ct);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("default-src 'none'", page.Headers.GetValues("Content-Security-Policy").Single());
        string html = await page.Content.ReadAsStringAsync(Ct);
        Assert.Contains("id=\"file\"", html);
        Assert.DoesNotMatch(@"(src|href)\s*=\s*[""']?(https?:)?//", html); // self-contained: nothing from elsewhere
    }
}
