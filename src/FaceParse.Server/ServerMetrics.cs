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

    // one single-valued metric: its HELP and TYPE lines, then its value
    private static void Metric(StringBuilder s, string name, string type, string help, long value)
    {
        s.AppendLine($"# HELP {name} {help}");
        s.AppendLine($"# TYPE {name} {type}");
        s.Append(CultureInfo.InvariantCulture, $"{name} {value}\n");
    }

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
        Metric(s, "faceparse_http_requests_in_flight", "gauge", "HTTP requests being answered now (this scrape included).", Volatile.Read(ref _inFlightRequests));
        Metric(s, "faceparse_parses_in_flight", "gauge", "Parses running now.", gate.Running);
        Metric(s, "faceparse_queue_length", "gauge", "Admitted parse requests waiting (reading their upload or for a slot).", gate.Queued);
        Metric(s, "faceparse_queue_full_total", "counter", "Requests refused with 503 because the queue was full.", Interlocked.Read(ref _rejected));
        return s.ToString();
    }
}
