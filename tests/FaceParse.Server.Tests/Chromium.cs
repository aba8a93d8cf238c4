using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FaceParse.Server.Tests;

/// <summary>A headless Chromium driven over the Chrome DevTools Protocol (one WebSocket, flattened sessions; no extra package).
/// Tests that need it skip with a message when no browser is installed, and fail instead when FACEPARSE_REQUIRE_BROWSER=1.</summary>
public sealed class Chromium : IAsyncDisposable
{
    public const string RequireVariable = "FACEPARSE_REQUIRE_BROWSER";

    private readonly Process _process;
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonObject>> _pending = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly string _profile;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private Task _receiver = Task.CompletedTask;
    private int _nextId;

    private Chromium(Process process, string profile)
    {
        _process = process;
        _profile = profile;
    }

    /// <summary>Events received so far (method, params, sessionId).</summary>
    public ConcurrentQueue<(string Method, JsonObject Params, string? Session)> Events { get; } = new();

    /// <summary>The browser executable: FACEPARSE_CHROMIUM, else chromium / chromium-browser / google-chrome on the PATH; skips
    /// (or fails under FACEPARSE_REQUIRE_BROWSER=1) when there is none.</summary>
    public static string Locate()
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("FACEPARSE_CHROMIUM") is { Length: > 0 } configured) candidates.Add(configured);
        foreach (string folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            foreach (string name in (string[])["chromium", "chromium-browser", "google-chrome"])
                candidates.Add(Path.Combine(folder, name));
        if (candidates.FirstOrDefault(File.Exists) is { } found) return found;
        string message = "No Chromium found (set FACEPARSE_CHROMIUM or install Debian's chromium package: apt-get install chromium)";
        if (Environment.GetEnvironmentVariable(RequireVariable) == "1") Assert.Fail(message + $"; {RequireVariable}=1 makes this a failure");
        Assert.Skip(message);
        return null!;
    }

    public static async Task<Chromium> LaunchAsync(string executable, string downloads, CancellationToken cancellationToken)
    {
        string profile = Directory.CreateTempSubdirectory("faceparse-chromium-").FullName;
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (string arg in (string[])["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--no-default-browser-check", "--disable-extensions", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--force-color-profile=srgb", "--hide-scrollbars", "--window-size=1280,960", "--remote-debugging-port=0",
            "--remote-debugging-address=127.0.0.1", $"--user-data-dir={profile}", "about:blank"])
            start.ArgumentList.Add(arg);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {executable}");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var browser = new Chromium(process, profile);
        string portFile = Path.Combine(profile, "DevToolsActivePort");
        var waited = Stopwatch.StartNew();
        while (!File.Exists(portFile) || File.ReadAllLines(portFile).Length < 2)
        {
            if (process.HasExited) throw new InvalidOperationException($"{executable} exited with {process.ExitCode} before opening DevTools");
            if (waited.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException($"{executable} did not open DevTools within 30 s");
            await Task.Delay(50, cancellationToken);
        }
        var lines = File.ReadAllLines(portFile);
        await browser._socket.ConnectAsync(new Uri($"ws://127.0.0.1:{lines[0].Trim()}{lines[1].Trim()}"), cancellationToken);
        browser._receiver = Task.Run(browser.ReceiveLoopAsync, CancellationToken.None);
        await browser.SendAsync("Browser.setDownloadBehavior", new JsonObject
        {
            ["behavior"] = "allow", ["downloadPath"] = downloads, ["eventsEnabled"] = true,
        }, null, cancellationToken);
        return browser;
    }

    /// <summary>Opens a page target and attaches to it; returns its session id.</summary>
    public async Task<string> NewPageAsync(CancellationToken cancellationToken)
    {
        var target = await SendAsync("Target.createTarget", new JsonObject { ["url"] = "about:blank" }, null, cancellationToken);
        var attached = await SendAsync("Target.attachToTarget", new JsonObject { ["targetId"] = target["targetId"]!.GetValue<string>(), ["flatten"] = true }, null, cancellationToken);
        string session = attached["sessionId"]!.GetValue<string>();
        await SendAsync("Page.enable", [], session, cancellationToken);
        await SendAsync("Runtime.enable", [], session, cancellationToken);
        return session;
    }

    /// <summary>Sends a command and waits for its result; a protocol error throws.</summary>
    public async Task<JsonObject> SendAsync(string method, JsonObject parameters, string? session, CancellationToken cancellationToken)
    {
        int id = Interlocked.Increment(ref _nextId);
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters };
        if (session is not null) message["sessionId"] = session;
        var reply = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = reply;
        await _sendLock.WaitAsync(cancellationToken);
        try { await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, cancellationToken); }
        finally { _sendLock.Release(); }
        var result = await reply.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        if (result["error"] is JsonNode error) throw new InvalidOperationException($"{method}: {error.ToJsonString()}");
        return result["result"]?.AsObject() ?? [];
    }

    /// <summary>Evaluates a JavaScript expression in the page (awaiting promises) and returns its JSON value.</summary>
    public async Task<JsonNode?> EvaluateAsync(string session, string expression, CancellationToken cancellationToken)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject
        {
            ["expression"] = expression, ["awaitPromise"] = true, ["returnByValue"] = true,
        }, session, cancellationToken);
        if (result["exceptionDetails"] is JsonNode details) throw new InvalidOperationException($"{expression}: {details.ToJsonString()}");
        return result["result"]?["value"];
    }

    /// <summary>Polls a JavaScript condition until it is true or the timeout passes.</summary>
    public async Task WaitForAsync(string session, string condition, TimeSpan timeout, CancellationToken cancellationToken, string? diagnostics = null)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < timeout)
        {
            if ((await EvaluateAsync(session, $"!!({condition})", cancellationToken))?.GetValue<bool>() == true) return;
            await Task.Delay(100, cancellationToken);
        }
        string state = diagnostics is null ? "" : " — " + (await EvaluateAsync(session, diagnostics, cancellationToken))?.ToJsonString();
        throw new TimeoutException($"'{condition}' did not become true within {timeout.TotalSeconds} s{state}");
    }

    /// <summary>A key press (down + up) sent to the focused element, as a keyboard user would.</summary>
    public async Task PressAsync(string session, string key, string code, int keyCode, CancellationToken cancellationToken)
    {
        foreach (string type in (string[])["keyDown", "keyUp"])
        {
            var parameters = new JsonObject
            {
                ["type"] = type, ["key"] = key, ["code"] = code, ["windowsVirtualKeyCode"] = keyCode, ["nativeVirtualKeyCode"] = keyCode,
            };
            if (type == "keyDown" && key.Length == 1) parameters["text"] = key;
            await SendAsync("Input.dispatchKeyEvent", parameters, session, cancellationToken);
        }
    }

    /// <summary>A PNG screenshot of the viewport, or of a clip rectangle in CSS pixels.</summary>
    public async Task<byte[]> ScreenshotAsync(string session, (double X, double Y, double Width, double Height)? clip, CancellationToken cancellationToken)
    {
        var parameters = new JsonObject { ["format"] = "png", ["captureBeyondViewport"] = clip is not null };
        if (clip is { } c) parameters["clip"] = new JsonObject { ["x"] = c.X, ["y"] = c.Y, ["width"] = c.Width, ["height"] = c.Height, ["scale"] = 1 };
        var result = await SendAsync("Page.captureScreenshot", parameters, session, cancellationToken);
        return Convert.FromBase64String(result["data"]!.GetValue<string>());
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[1 << 16];
        using var message = new MemoryStream();
        try
        {
            while (_socket.State == WebSocketState.Open && !_stop.IsCancellationRequested)
            {
                var received = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (received.MessageType == WebSocketMessageType.Close) break;
                message.Write(buffer, 0, received.Count);
                if (!received.EndOfMessage) continue;
                var node = JsonNode.Parse(message.ToArray())!.AsObject();
                message.SetLength(0);
                if (node["id"] is JsonNode id && _pending.TryRemove(id.GetValue<int>(), out var reply)) reply.TrySetResult(node);
                else if (node["method"] is JsonNode method)
                    Events.Enqueue((method.GetValue<string>(), node["params"]?.AsObject() ?? [], node["sessionId"]?.GetValue<string>()));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException) { }
        foreach (var reply in _pending.Values) reply.TrySetException(new InvalidOperationException("the browser connection closed"));
    }

    public async ValueTask DisposeAsync()
    {
        try { await SendAsync("Browser.close", [], null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5)); }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or WebSocketException) { }
        await _stop.CancelAsync();
        try { await _receiver.WaitAsync(TimeSpan.FromSeconds(5)); } catch (TimeoutException) { }
        if (!_process.WaitForExit(5000)) _process.Kill(entireProcessTree: true);
        _process.Dispose();
        _socket.Dispose();
        try { Directory.Delete(_profile, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
