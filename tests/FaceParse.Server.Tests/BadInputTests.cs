using System.Buffers.Binary;
using System.Net;
using System.Text;
using FaceParse.Imaging;
using FaceParse.TestSupport;

namespace FaceParse.Server.Tests;

/// <summary>Hostile and broken requests: each gets a clear 4xx problem JSON, and the server answers a good request afterwards.</summary>
[Collection(ServerCollection.Name)]
public sealed class BadInputTests(ServerFixture server)
{
    private HttpClient Client => server.Client;
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task ExpectAsync(string query, HttpContent content, HttpStatusCode status, string code)
    {
        var response = await Client.PostAsync("/v1/parse?" + query, content, Ct);
        await Http.AssertProblemAsync(response, status, code);
        await AssertStillServingAsync();
    }

    private async Task AssertStillServingAsync()
    {
        var response = await Client.PostAsync("/v1/parse?size=32&out_size=8&out=labels", Http.Form(Repo.SamplePhoto), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal((8, 8), (ImageCodec.Decode(await response.Content.ReadAsByteArrayAsync(Ct)).Info.Width, 8));
    }

    [Fact]
    public async Task Bodies_that_are_not_images_get_400()
    {
        await ExpectAsync("", Http.Raw("hello, I am not a photo"u8.ToArray(), "application/octet-stream"), HttpStatusCode.BadRequest, "bad_image");
        await ExpectAsync("", Http.Form("GIF89a\x01\x00\x01\x00"u8.ToArray(), "x.gif"), HttpStatusCode.BadRequest, "bad_image");
        byte[] jpeg = ImageCodec.Encode(server.SamplePhoto, ImageFileFormat.Jpeg);
        Assert.True(JpegCompleteness.IsComplete(jpeg));
        await ExpectAsync("", Http.Raw(jpeg[..(jpeg.Length * 2 / 5)], "image/jpeg"), HttpStatusCode.BadRequest, "truncated_image");
        await ExpectAsync("", Http.Raw(jpeg[..^2], "image/jpeg"), HttpStatusCode.BadRequest, "truncated_image");
        await ExpectAsync("", Http.Raw(jpeg[..300], "image/jpeg"), HttpStatusCode.BadRequest, null!);
        byte[] png = Repo.SamplePhoto;
        await ExpectAsync("", Http.Raw(png[..(png.Length / 2)]), HttpStatusCode.BadRequest, "bad_image");
        await ExpectAsync("", Http.Raw([], "image/png"), HttpStatusCode.BadRequest, "empty_body");
        await ExpectAsync("", Http.Form([]), HttpStatusCode.BadRequest, "empty_body");
    }

    [Fact]
    public async Task A_whole_jpeg_is_accepted_also_with_bytes_after_its_end_marker()
    {
        byte[] jpeg = ImageCodec.Encode(server.SamplePhoto, ImageFileFormat.Jpeg);
        byte[] trailer = [.. jpeg, .. "trailing data, e.g. a motion photo"u8.ToArray()];
        Assert.True(JpegCompleteness.IsComplete(trailer));
        var response = await Client.PostAsync("/v1/parse?size=32&out_size=16&out=labels", Http.Raw(trailer, "image/jpeg"), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_100_megapixel_png_header_is_refused_before_decoding()
    {
        byte[] png = PngWithHeader(10_000, 10_000);
        Assert.Equal((10_000, 10_000), (ImageCodec.ReadInfo(png).Width, ImageCodec.ReadInfo(png).Height)); // a valid header
        await ExpectAsync("", Http.Raw(png), HttpStatusCode.BadRequest, "image_too_large");
        await ExpectAsync("", Http.Form(png), HttpStatusCode.BadRequest, "image_too_large");
    }

    [Fact]
    public async Task A_60_MB_upload_gets_413_with_or_without_a_content_length()
    {
        byte[] big = new byte[60 << 20];
        Repo.SamplePhoto.CopyTo(big, 0);
        await ExpectAsync("", Http.Raw(big), HttpStatusCode.RequestEntityTooLarge, "upload_too_large");
        await ExpectAsync("", new StreamContent(new UnknownLengthStream(big)), HttpStatusCode.RequestEntityTooLarge, "upload_too_large");
        await ExpectAsync("", Http.Form(big), HttpStatusCode.RequestEntityTooLarge, "upload_too_large");
    }

    [Fact]
    public async Task Wrong_content_types_get_415()
    {
        await ExpectAsync("", Http.Raw(Repo.SamplePhoto, "application/json"), HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        await ExpectAsync("", new StringContent("file=astronaut.png", Encoding.UTF8, "application/x-www-form-urlencoded"), HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        await ExpectAsync("", Http.Raw(Repo.SamplePhoto, "text/plain"), HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
    }

    [Fact]
    public async Task Hostile_multipart_bodies_get_400()
    {
        static HttpContent Multipart(string contentType, string body)
        {
            var content = new ByteArrayContent(Encoding.Latin1.GetBytes(body));
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            return content;
        }
        const string ok = "multipart/form-data; boundary=XyZ";
        await ExpectAsync("", Multipart("multipart/form-data", "--XyZ\r\n\r\n--XyZ--\r\n"), HttpStatusCode.BadRequest, "bad_multipart");
        await ExpectAsync("", Multipart("multipart/form-data; boundary=" + new string('b', 500), "x"), HttpStatusCode.BadRequest, "bad_multipart");
        // a header line far past the header limit
        await ExpectAsync("", Multipart(ok, $"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{new string('a', 40_000)}\"\r\n\r\nx\r\n--XyZ--\r\n"),
            HttpStatusCode.BadRequest, "bad_multipart");
        // a file part that never ends
        await ExpectAsync("", Multipart(ok, "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\n\x89PNG\r\n\x1a\n..."),
            HttpStatusCode.BadRequest, "bad_multipart");
        // many non-file fields and no file
        var fields = new StringBuilder();
        for (int i = 0; i < 50; i++) fields.Append($"--XyZ\r\nContent-Disposition: form-data; name=\"f{i}\"\r\n\r\nv{i}\r\n");
        await ExpectAsync("", Multipart(ok, fields + "--XyZ--\r\n"), HttpStatusCode.BadRequest, "no_file");
        // no boundary in the body at all
        await ExpectAsync("", Multipart(ok, "just some bytes without any boundary"), HttpStatusCode.BadRequest, null!);
        // a file part with a traversal name and garbage inside
        await ExpectAsync("", Http.Form("garbage"u8.ToArray(), "../../etc/passwd"), HttpStatusCode.BadRequest, "bad_image");
    }

    [Fact]
    public async Task Unknown_models_get_404_and_bad_parameters_400()
    {
        await ExpectAsync("model=no-such-model", Http.Form(Repo.SamplePhoto), HttpStatusCode.NotFound, "unknown_model");
        foreach (string outSize in (string[])["100000x100000", "0", "-5", "abc", "4000x4000", "12x", "99999999999999999999"])
            await ExpectAsync("out_size=" + outSize, Http.Form(Repo.SamplePhoto), HttpStatusCode.BadRequest, "bad_out_size");
        foreach (var (query, code) in new[] { ("size=5", "bad_size"), ("size=99999", "bad_size"), ("out=gif", "bad_out"), ("out=1", "bad_out"),
            ("faces=1,2,3", "bad_faces"), ("faces=0,0,0,10", "bad_faces"), ("faces=9000,9000,10,10", "bad_faces"), ("alpha=2", "bad_alpha"),
            ("alpha=NaN", "bad_alpha"), ("include=everything", "bad_include"), ("out=json&out=labels", "bad_parameter"),
            ("out=logits&out_size=1024", "logits_too_large") })
            await ExpectAsync(query, Http.Form(Repo.SamplePhoto), HttpStatusCode.BadRequest, code);
        var get = await Client.GetAsync("/v1/parse", Ct);
        await Http.AssertProblemAsync(get, HttpStatusCode.MethodNotAllowed, "method_not_allowed");
        await Http.AssertProblemAsync(await Client.GetAsync("/v2/nothing", Ct), HttpStatusCode.NotFound, "not_found");
        await AssertStillServingAsync();
    }

    /// <summary>A PNG whose IHDR claims the given size (8-bit RGB) followed by a tiny IDAT and IEND, all with valid CRCs.</summary>
    private static byte[] PngWithHeader(int width, int height)
    {
        using var s = new MemoryStream();
        s.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; ihdr[9] = 2;
        PngChunkWriter.Write(s, "IHDR", ihdr);
        PngChunkWriter.Write(s, "IDAT", [0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
        PngChunkWriter.Write(s, "IEND", []);
        return s.ToArray();
    }

    /// <summary>A readable stream that does not tell its length, so the client sends it chunked.</summary>
    private sealed class UnknownLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => base.Position; set => throw new NotSupportedException(); }
    }
}
