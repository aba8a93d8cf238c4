using System.Net;
using System.Text.Json.Nodes;
using FaceParse.Imaging;

namespace FaceParse.Server.Tests;

/// <summary>The page in a real headless Chromium against a real server on 127.0.0.1: upload the sample photo, wait for the
/// overlay, toggle a class with the keyboard and see the rendered pixels change, download the labels and compare them with the
/// API's. A screenshot of the page is kept as a test artefact (browser-artifacts/page.png beside the test assembly).</summary>
public sealed class BrowserTests
{
    private const string OutSize = "256", InputSize = "128";

    [Fact]
    public async Task The_page_parses_the_sample_toggles_a_class_and_downloads_the_api_labels()
    {
        string executable = Chromium.Locate();
        var ct = TestContext.Current.CancellationToken;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(120));
        ct = deadline.Token;
        string artifacts = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "browser-artifacts")).FullName;
        string downloads = Directory.CreateTempSubdirectory("faceparse-downloads-").FullName;
        try
        {
            await using var server = await RealServer.StartAsync(new ServerOptions { Models = ["default"], MaxConcurrency = 2 }, ct);
            await using var browser = await Chromium.LaunchAsync(executable, downloads, ct);
            string page = await browser.NewPageAsync(ct);
            await browser.SendAsync("Page.navigate", new JsonObject { ["url"] = server.Address.ToString() }, page, ct);
            await browser.WaitForAsync(page, "document.readyState === 'complete' && document.getElementById('model').options.length > 0", TimeSpan.FromSeconds(30), ct);
            await browser.EvaluateAsync(page, $"document.getElementById('size').value = '{InputSize}'; document.getElementById('outsize').value = '{OutSize}'; true", ct);

            // choose the photo through the file input, as a user would
            var document = await browser.SendAsync("DOM.getDocument", [], page, ct);
            var input = await browser.SendAsync("DOM.querySelector", new JsonObject { ["nodeId"] = document["root"]!["nodeId"]!.GetValue<int>(), ["selector"] = "#file" }, page, ct);
            await browser.SendAsync("DOM.setFileInputFiles", new JsonObject { ["files"] = new JsonArray(Repo.SamplePhotoPath), ["nodeId"] = input["nodeId"]!.GetValue<int>() }, page, ct);
            await browser.WaitForAsync(page, "window.faceparse.ready || window.faceparse.error", TimeSpan.FromSeconds(60), ct);
            Assert.Null((await browser.EvaluateAsync(page, "window.faceparse.error", ct))?.ToString());
            Assert.Equal($"{OutSize}x{OutSize}", (await browser.EvaluateAsync(page, "window.faceparse.result.width + 'x' + window.faceparse.result.height", ct))!.ToString());
            await File.WriteAllBytesAsync(Path.Combine(artifacts, "page.png"), await browser.ScreenshotAsync(page, null, ct), ct);

            // hide the largest non-background class with the keyboard: focus its checkbox, press Space
            string name = (await browser.EvaluateAsync(page,
                "window.faceparse.result.labels.filter(l => l.id !== 0).sort((a, b) => b.pixels - a.pixels)[0].name", ct))!.ToString();
            var clip = await CanvasRectAsync(browser, page, ct);
            var before = ImageCodec.Decode(await browser.ScreenshotAsync(page, clip, ct)).Image;
            int renders = (await browser.EvaluateAsync(page, "window.faceparse.renders", ct))!.GetValue<int>();
            await browser.EvaluateAsync(page, $"document.getElementById('class-{name}').focus(); document.activeElement.id", ct);
            await browser.PressAsync(page, " ", "Space", 32, ct);
            await browser.WaitForAsync(page, $"window.faceparse.renders > {renders}", TimeSpan.FromSeconds(10), ct);
            Assert.False((await browser.EvaluateAsync(page, $"document.getElementById('class-{name}').checked", ct))!.GetValue<bool>());
            var after = ImageCodec.Decode(await browser.ScreenshotAsync(page, clip, ct)).Image;
            long classPixels = (await browser.EvaluateAsync(page, $"window.faceparse.result.labels.find(l => l.name === '{name}').pixels", ct))!.GetValue<long>();
            double displayScale = clip.Width * clip.Height / (256.0 * 256.0);
            int changed = ChangedPixels(before, after);
            Assert.True(changed > classPixels * displayScale * 0.5,
                $"hiding '{name}' ({classPixels} label pixels, display scale {displayScale:F2}) changed only {changed} rendered pixels");
            await File.WriteAllBytesAsync(Path.Combine(artifacts, $"page-without-{name}.png"), await browser.ScreenshotAsync(page, null, ct), ct);

            // the labels download equals the API's labels for the same settings
            await browser.EvaluateAsync(page, "document.getElementById('dl-labels').click(); true", ct);
            string downloaded = await WaitForDownloadAsync(downloads, ".labels.png", ct);
            using var client = new HttpClient { BaseAddress = server.Address };
            string model = (await browser.EvaluateAsync(page, "window.faceparse.result.model", ct))!.ToString();
            var response = await client.PostAsync($"v1/parse?out=labels&model={model}&size={InputSize}&out_size={OutSize}&faces=whole", Http.Form(Repo.SamplePhoto), ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            byte[] api = await response.Content.ReadAsByteArrayAsync(ct);
            byte[] file = await File.ReadAllBytesAsync(downloaded, ct);
            Assert.Equal(ImageCodec.Decode(api).ToLabelMap(), ImageCodec.Decode(file).ToLabelMap());
            Assert.Equal(api, file);

            // detected faces (the default) are outlined with their landmarks: the box edge is drawn white on the canvas
            await browser.EvaluateAsync(page, "document.getElementById('outsize').value = 'original'; document.getElementById('faces').value = 'auto';" +
                "document.getElementById('parse').click(); true", ct);
            await browser.WaitForAsync(page, "!window.faceparse.busy && window.faceparse.ready && window.faceparse.result.faces.length > 0", TimeSpan.FromSeconds(60), ct,
                "window.faceparse.error");
            Assert.Equal(5, (await browser.EvaluateAsync(page, "window.faceparse.result.faces[0].landmarks.length", ct))!.GetValue<int>());
            string edge = (await browser.EvaluateAsync(page, "(() => { const r = window.faceparse.result, f = r.faces[0], c = document.getElementById('canvas');" +
                "const sx = c.width / r.photo.width, sy = c.height / r.photo.height;" +
                "return Array.from(c.getContext('2d').getImageData(Math.round(f.x * sx), Math.round((f.y + f.height / 2) * sy), 1, 1).data.slice(0, 3)).join(','); })()", ct))!.ToString();
            Assert.Equal("255,255,255", edge);
            await File.WriteAllBytesAsync(Path.Combine(artifacts, "page-auto.png"), await browser.ScreenshotAsync(page, null, ct), ct);
            if (Environment.GetEnvironmentVariable("FACEPARSE_PAGE_SCREENSHOT") is { Length: > 0 } screenshot)
                await SaveReadmeScreenshotAsync(browser, page, screenshot, ct);
            TestContext.Current.SendDiagnosticMessage($"browser: hid '{name}', {changed} rendered pixels changed; screenshots in {artifacts}");
            TestContext.Current.AddAttachment("page.png", await File.ReadAllBytesAsync(Path.Combine(artifacts, "page.png"), ct), "image/png");
        }
        finally
        {
            try { Directory.Delete(downloads, recursive: true); } catch (IOException) { }
        }
    }

    // FACEPARSE_PAGE_SCREENSHOT=docs/server/page.png regenerates the README's picture: the sample, faces detected, default sizes.
    private static async Task SaveReadmeScreenshotAsync(Chromium browser, string page, string path, CancellationToken ct)
    {
        await browser.EvaluateAsync(page, "document.getElementById('size').value = ''; document.getElementById('outsize').value = 'original';" +
            "document.getElementById('faces').value = 'auto'; document.getElementById('boxes').hidden = true;" +
            "document.getElementById('all-on').click(); true", ct);
        await browser.EvaluateAsync(page, "document.getElementById('parse').click(); true", ct);
        await browser.WaitForAsync(page, "!window.faceparse.busy && window.faceparse.ready && window.faceparse.result.faces.length === 1", TimeSpan.FromSeconds(90), ct,
            "window.faceparse.error");
        var size = (await browser.EvaluateAsync(page, "document.activeElement.blur(); window.scrollTo(0, 0); [document.documentElement.scrollWidth, document.documentElement.scrollHeight]", ct))!.AsArray();
        var whole = (0.0, 0.0, size[0]!.GetValue<double>(), size[1]!.GetValue<double>());
        await File.WriteAllBytesAsync(Path.GetFullPath(path, Repo.Root), await browser.ScreenshotAsync(page, whole, ct), ct);
    }

    private static async Task<(double X, double Y, double Width, double Height)> CanvasRectAsync(Chromium browser, string page, CancellationToken ct)
    {
        var rect = (await browser.EvaluateAsync(page,
            "(() => { const r = document.getElementById('canvas').getBoundingClientRect(); return [r.x + scrollX, r.y + scrollY, r.width, r.height]; })()", ct))!.AsArray();
        return (rect[0]!.GetValue<double>(), rect[1]!.GetValue<double>(), rect[2]!.GetValue<double>(), rect[3]!.GetValue<double>());
    }

    private static int ChangedPixels(Image a, Image b)
    {
        Assert.Equal((a.Width, a.Height), (b.Width, b.Height));
        int changed = 0, channels = a.Channels;
        for (int i = 0; i < a.Width * a.Height; i++)
        {
            for (int c = 0; c < Math.Min(3, channels); c++)
            {
                if (Math.Abs(a.Pixels[i * channels + c] - b.Pixels[i * b.Channels + c]) > 8) { changed++; break; }
            }
        }
        return changed;
    }

    private static async Task<string> WaitForDownloadAsync(string folder, string suffix, CancellationToken ct)
    {
        for (int i = 0; i < 200; i++)
        {
            var done = Directory.GetFiles(folder).FirstOrDefault(f => f.EndsWith(suffix, StringComparison.Ordinal));
            if (done is not null && new FileInfo(done).Length > 0) return done;
            await Task.Delay(100, ct);
        }
        throw new TimeoutException($"no *{suffix} download in {folder} within 20 s (files: {string.Join(", ", Directory.GetFiles(folder))})");
    }
}
