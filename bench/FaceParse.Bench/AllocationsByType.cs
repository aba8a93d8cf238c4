using System.Diagnostics.Tracing;

namespace FaceParse.Bench;

/// <summary>Bytes allocated per .NET type (arrays also per element size), sampled from the runtime's own
/// GCAllocationTick events (one event per ~100 KB allocated, so large arrays are each seen and small objects
/// statistically) while <see cref="Recording"/> is on: which objects a training step still allocates outside the pool.</summary>
internal sealed class AllocationsByType : EventListener
{
    private readonly Dictionary<string, long> _bytes = [];

    public bool Recording { get; set; }

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1); // GC keyword
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (!Recording || e.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) != true || e.Payload is null || e.PayloadNames is null) return;
        int typeAt = e.PayloadNames.IndexOf("TypeName"), amountAt = e.PayloadNames.IndexOf("AllocationAmount64"), sizeAt = e.PayloadNames.IndexOf("ObjectSize");
        if (typeAt < 0 || amountAt < 0) return;
        string type = e.Payload[typeAt]?.ToString() ?? "?";
        if (type.EndsWith("[]", StringComparison.Ordinal) && sizeAt >= 0) type += $" of {e.Payload[sizeAt]} bytes";
        lock (_bytes) _bytes[type] = _bytes.GetValueOrDefault(type) + Convert.ToInt64(e.Payload[amountAt]);
    }

    /// <summary>The <paramref name="top"/> largest totals, largest first.</summary>
    public IReadOnlyList<(string Type, long Bytes)> Top(int top)
    {
        lock (_bytes) return [.. _bytes.OrderByDescending(kv => kv.Value).Take(top).Select(kv => (kv.Key, kv.Value))];
    }
}
