using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace FaceParse.Server;

/// <summary>Request counters for <c>GET /metrics</c> in the Prometheus text format (version 0.0.4): requests by route and
/// status, a latency histogram, parses in flight, queue length, and refusals for a full queue.</summary>
public sealed class ServerMetrics(InferenceGate gate)
{
    /// <summary>Upper bounds of the latency buckets, in seconds.</summary>
    public static IReadOnlyList<double> Buckets { get; } = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private readonly ConcurrentDictionary<(string Route, int Status), long> _requests = new();
    private readonly long[] _bucketCounts = new long[Buckets.Count];
    private long _count;
    private long _sumMicroseconds;
    private long _rejected;
    private int _inFlightRequests;

    public void RequestStarted() => Interlocked.Increment(ref _inFlightRequests);

    public void RequestFinished(string route, int status, TimeSpan elapsed)
    {
        Interlocked.Decrement(ref _inFlightRequests);
        _requests.AddOrUpdate((route, status), 1, (_, n) => n + 1);
        double seconds = elapsed.TotalSeconds;
        for (int i = 0; i < Buckets.Count; i++)
            if (seconds <= Buckets[i]) Interlocked.Increment(ref _bucketCounts[i]);
        Interlocked.Increment(ref _count);
        Interlocked.Add(ref _sumMicroseconds, (long)(seconds * 1e6));
    }

    public void QueueFull() => Interlocked.Increment(ref _rejected);

    /// <summary>Requests counted so far with this route and status.</summary>
    public long Count(string route, int status) => _requests.TryGetValue((route, status), out long n) ? n : 0;

    public string Render()
    {
        var s = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        s.AppendLine("# HELP faceparse_http_requests_total HTTP requests answered, by route and status code.");
        s.AppendLine("# TYPE faceparse_http_requests_total counter");
        foreach (var ((route, status), n) in _requests.OrderBy(p => p.Key.Route, StringComparer.Ordinal).ThenBy(p => p.Key.Status))
            s.Append(c, $"faceparse_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}\n");
        s.AppendLine("# HELP faceparse_http_request_duration_seconds Time from request start to the end of the answer.");
        s.AppendLine("# TYPE faceparse_http_request_duration_seconds histogram");
        for (int i = 0; i < Buckets.Count; i++)
            s.Append(c, $"faceparse_http_request_duration_seconds_bucket{{le=\"{Buckets[i]}\"}} {Interlocked.Read(ref _bucketCounts[i])}\n");
        long count = Interlocked.Read(ref _count);
        s.Append(c, $"faceparse_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}\n");
        s.Append(c, $"faceparse_http_request_duration_seconds_sum {Interlocked.Read(ref _sumMicroseconds) / 1e6}\n");
        s.Append(c, $"faceparse_http_request_duration_seconds_count {count}\n");
        s.AppendLine("# HELP faceparse_http_requests_in_flight HTTP requests being answered now (this scrape included).");
        s.AppendLine("# TYPE faceparse_http_requests_in_flight gauge");
        s.Append(c, $"faceparse_http_requests_in_flight {Volatile.Read(ref _inFlightRequests)}\n");
        s.AppendLine("# HELP faceparse_parses_in_flight Parses running now.");
        s.AppendLine("# TYPE faceparse_parses_in_flight gauge");
        s.Append(c, $"faceparse_parses_in_flight {gate.Running}\n");
        s.AppendLine("# HELP faceparse_queue_length Admitted parse requests waiting (reading their upload or for a slot).");
        s.AppendLine("# TYPE faceparse_queue_length gauge");
        s.Append(c, $"faceparse_queue_length {gate.Queued}\n");
        s.AppendLine("# HELP faceparse_queue_full_total Requests refused with 503 because the queue was full.");
        s.AppendLine("# TYPE faceparse_queue_full_total counter");
        s.Append(c, $"faceparse_queue_full_total {Interlocked.Read(ref _rejected)}\n");
        return s.ToString();
    }
}
