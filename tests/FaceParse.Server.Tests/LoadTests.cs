using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using FaceParse.Imaging;
using FaceParse.Inference;
using FaceParse.Tests.Inference;

namespace FaceParse.Server.Tests;

/// <summary>240 requests from 16 concurrent clients at a real server on 127.0.0.1: a mix of good photos and bad requests; every
/// answer must be the right one (or a deliberate 4xx/503), memory stays bounded, and /metrics counts exactly what was sent.</summary>
[Collection(LoadCollection.Name)]
public sealed partial class LoadTests : IAsyncLifetime
{
    private const int Clients = 16, RequestsPerClient = 15, Kinds = 8;
    private readonly string _folder = Directory.CreateTempSubdirectory("faceparse-load-").FullName;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync()
    {
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
        return ValueTask.CompletedTask;
    }

    private sealed record Photo(byte[] Png, byte[] ExpectedLabelsPng, int Width, int Height);

    [Fact]
    public async Task Sixteen_clients_get_correct_answers_or_deliberate_refusals_and_metrics_count_them()
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(120));
        var ct = deadline.Token;
        string tinyPath = TinyModels.Save(_folder, "tiny-load");
        var options = new ServerOptions { Models = [tinyPath], MaxUploadMb = 2, MaxConcurrency = 2, MaxQueue = 6 };
        var parser = new FaceParser(SegmentationModel.Load(tinyPath));
        var photos = Enumerable.Range(0, 4).Select(seed =>
        {
            var image = TinyModels.Photo(64 + 16 * seed, 48 + 8 * seed, seed);
            return new Photo(ImageCodec.Encode(image, ImageFileFormat.Png), parser.Parse(image).ToPng(), image.Width, image.Height);
        }).ToArray();
        byte[] oversized = new byte[3 << 20];
        photos[0].Png.CopyTo(oversized, 0);

        await using var server = await RealServer.StartAsync(options, ct);
        var gate = server.Get<InferenceGate>();
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = Clients, UseProxy = false };
        using var client = new HttpClient(handler) { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(60) };

        var statuses = new ConcurrentDictionary<int, int>();
        var failures = new ConcurrentQueue<string>();
        long baseline = GC.GetTotalMemory(forceFullCollection: true), peakHeap = baseline;
        int peakRunning = 0, peakQueued = 0, peakAdmitted = 0;
        using var sampling = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(false));
                peakRunning = Math.Max(peakRunning, gate.Running);
                peakQueued = Math.Max(peakQueued, gate.Queued);
                peakAdmitted = Math.Max(peakAdmitted, gate.Admitted);
                try { await Task.Delay(5, sampling.Token); } catch (OperationCanceledException) { }
            }
        }, CancellationToken.None);

        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
        {
            for (int r = 0; r < RequestsPerClient; r++)
            {
                int n = c * RequestsPerClient + r;
                var (status, problem) = await SendAsync(client, n % Kinds, photos[n % photos.Length], oversized, ct);
                statuses.AddOrUpdate(status, 1, (_, k) => k + 1);
                if (problem is not null) failures.Enqueue($"request {n} (kind {n % Kinds}): {problem}");
            }
        }, ct)));
        stopwatch.Stop();
        await sampling.CancelAsync();
        await sampler;

        Assert.True(failures.IsEmpty, string.Join("\n", failures.Take(10)));
        int total = statuses.Values.Sum();
        Assert.Equal(Clients * RequestsPerClient, total);
        Assert.True(statuses.GetValueOrDefault(200) >= total / 8, $"too few successes: {Describe(statuses)}");
        Assert.True(peakRunning <= options.MaxConcurrency && peakAdmitted <= options.MaxConcurrency + options.MaxQueue,
            $"running {peakRunning}, admitted {peakAdmitted}");
        Assert.True(peakQueued <= options.MaxConcurrency + options.MaxQueue, $"queued {peakQueued}");
        Assert.True(peakHeap - baseline < 256L << 20, $"managed heap grew by {(peakHeap - baseline) >> 20} MiB");

        // /metrics counts every parse request by status (the counters are bumped as each answer completes: poll briefly).
        Dictionary<int, long> counted = [];
        for (int attempt = 0; attempt < 50; attempt++)
        {
            counted = ParseCounters(await client.GetStringAsync("metrics", ct));
            if (counted.Values.Sum() >= total) break;
            await Task.Delay(100, ct);
        }
        Assert.Equal(statuses.OrderBy(p => p.Key).Select(p => (p.Key, (long)p.Value)), counted.OrderBy(p => p.Key).Select(p => (p.Key, p.Value)));
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long after = GC.GetTotalMemory(forceFullCollection: true);
        Assert.True(after - baseline < 64L << 20, $"heap after the run is {(after - baseline) >> 20} MiB above the start");
        TestContext.Current.SendDiagnosticMessage($"load: {total} requests in {stopwatch.Elapsed.TotalSeconds:F1} s — {Describe(statuses)}; " +
            $"peak heap +{(peakHeap - baseline) >> 20} MiB, peak running {peakRunning}, peak queued {peakQueued}, peak admitted {peakAdmitted}");
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(90), $"took {stopwatch.Elapsed}");
    }

    // Sends request kind k; returns the status and a problem description when the answer is not one this kind may get.
    private static async Task<(int Status, string? Problem)> SendAsync(HttpClient client, int kind, Photo photo, byte[] oversized, CancellationToken ct)
    {
        using var request = kind switch
        {
            0 or 1 => Post("v1/parse?out=labels", Http.Form(photo.Png)),
            2 => Post("v1/parse?out=labels", Http.Raw(photo.Png)),
            3 => Post("v1/parse", Http.Form(photo.Png)),
            4 => Post("v1/parse", Http.Raw("not an image at all"u8.ToArray(), "application/octet-stream")),
            5 => Post("v1/parse?model=missing", Http.Form(photo.Png)),
            6 => Post("v1/parse?out_size=99999x99999", Http.Form(photo.Png)),
            _ => Post("v1/parse", Http.Raw(oversized), expectContinue: true),
        };
        using var response = await client.SendAsync(request, ct);
        int status = (int)response.StatusCode;
        byte[] body = await response.Content.ReadAsByteArrayAsync(ct);
        if (status == 503)
        {
            bool fine = kind is not (5 or 6) && response.Headers.RetryAfter is not null && Code(body) == "queue_full";
            return (status, fine ? null : $"unexpected 503 {Text(body)}");
        }
        string? Expect(int wanted, string code) => status == wanted && Code(body) == code ? null : $"expected {wanted} {code}, got {status} {Text(body)}";
        return (status, kind switch
        {
            0 or 1 or 2 => status == 200 && body.AsSpan().SequenceEqual(photo.ExpectedLabelsPng) ? null : $"labels differ ({status} {body.Length} bytes)",
            3 => status == 200 ? CheckJson(body, photo) : $"json: {status} {Text(body)}",
            4 => Expect(400, "bad_image"),
            5 => Expect(404, "unknown_model"),
            6 => Expect(400, "bad_out_size"),
            _ => Expect(413, "upload_too_large"),
        });
    }

    private static HttpRequestMessage Post(string path, HttpContent content, bool expectContinue = false)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        if (expectContinue) request.Headers.ExpectContinue = true;
        return request;
    }

    private static string? CheckJson(byte[] body, Photo photo)
    {
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        long pixels = root.GetProperty("labels").EnumerateArray().Sum(l => l.GetProperty("pixels").GetInt64());
        return root.GetProperty("width").GetInt32() == photo.Width && root.GetProperty("height").GetInt32() == photo.Height
            && pixels == photo.Width * photo.Height && root.GetProperty("model").GetString() == "tiny-5" ? null : $"json wrong: {Text(body)}";
    }

    private static string? Code(byte[] body)
    {
        try { return JsonDocument.Parse(body).RootElement.GetProperty("code").GetString(); }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException) { return null; }
    }

    private static string Text(byte[] body) => System.Text.Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(body.Length, 300)));

    private static string Describe(IDictionary<int, int> statuses) => string.Join(", ", statuses.OrderBy(p => p.Key).Select(p => $"{p.Key}×{p.Value}"));

    private static Dictionary<int, long> ParseCounters(string metrics) =>
        ParseCounter().Matches(metrics).ToDictionary(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), m => long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));

    [GeneratedRegex(@"^faceparse_http_requests_total\{route=""/v1/parse"",status=""(\d+)""\} (\d+)$", RegexOptions.Multiline)]
    private static partial Regex ParseCounter();
}

/// <summary>The load test runs alone (after the parallel collections), so its heap measurements see only its own traffic.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LoadCollection
{
    public const string Name = "load";
}
