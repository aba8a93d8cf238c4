namespace FaceParse.Tensors;

/// <summary>Reuses float buffers by exact length so steady-state inference (same shapes every call) does not allocate.</summary>
/// <remarks>Buffers come back through <see cref="Tensor.Dispose"/> or a <see cref="TensorScope"/>. Rented buffers are
/// NOT cleared; <see cref="Tensor.Zeros(int[])"/> clears, <see cref="Tensor.Empty(int[])"/> does not. When a returned
/// buffer would take the idle floats past the limit, the lengths used longest ago are dropped first (down to 7/8 of the
/// limit): shapes that change from call to call (a face region's size, a last partial chunk) age out instead of filling the
/// pool for good and crowding out the shapes every call uses.</remarks>
public static class TensorPool
{
    // one length's idle buffers and when the length was last rented or returned (the pool's clock: one tick per operation)
    private sealed class Bucket
    {
        public readonly Stack<float[]> Buffers = new();
        public long LastUse;
    }

    private static readonly Lock Gate = new();
    private static readonly Dictionary<int, Bucket> Buckets = [];
    private static long _clock, _pooledFloats, _reused, _evicted;

    /// <summary>Floats the pool may keep idle (default 16 Mi floats = 64 MiB). The limit in force is the larger of this and
    /// the most floats the open <see cref="TensorScope"/>s (all threads together) have held at once
    /// (<see cref="EffectiveCapacityFloats"/>): a step that needs more than the default at once (SegFace training at 512,
    /// batch 4: about 6 GB; or several data-parallel workers' steps side by side) then finds all its buffers again next time,
    /// instead of dropping them to the garbage collector and allocating anew — which made the peak grow by gigabytes per step
    /// until a gen-2 collection. An open scope counts as soon as it grows, so the buffers a first training step hands back
    /// during its backward pass are kept too, not dropped as garbage that the second step's new buffers would then sit beside
    /// (SegFace-mobilenet at 512, batch 2: 1.1 GB of it, the peak 4.5 GB instead of 3.5).</summary>
    public static long CapacityFloats { get; set; } = 16L << 20;

    /// <summary>The limit on idle floats now in force: max(<see cref="CapacityFloats"/>, the open scopes' peak floats).</summary>
    public static long EffectiveCapacityFloats => Math.Max(CapacityFloats, Interlocked.Read(ref _peakOpenFloats));
    private static long _openFloats, _peakOpenFloats;

    // Scopes report the floats of the tensors they track as they create them (views excluded), and hand them back when they end.
    internal static void ScopeFloats(long delta)
    {
        long open = Interlocked.Add(ref _openFloats, delta), seen;
        while (open > (seen = Interlocked.Read(ref _peakOpenFloats)) && Interlocked.CompareExchange(ref _peakOpenFloats, open, seen) != seen) { }
    }

    /// <summary>Buffers handed out that were reused rather than allocated (for tests and benchmarks).</summary>
    public static long Reused => Interlocked.Read(ref _reused);

    /// <summary>Idle buffers dropped to make room for more recently used lengths (for tests and benchmarks).</summary>
    public static long Evicted => Interlocked.Read(ref _evicted);

    /// <summary>Floats held by idle pooled buffers now (for benchmarks: memory the pool keeps for reuse).</summary>
    public static long IdleFloats => Interlocked.Read(ref _pooledFloats);

    /// <summary>Whether <see cref="Tensor.Backward"/> returns its temporaries (intermediate gradients) to the pool as soon
    /// as nothing can read them (default true). Off, they are left to the garbage collector.</summary>
    public static bool RecycleBackward { get; set; } = true;

    // Small tensors are cheaper to allocate than to pool.
    private const int MinPooledLength = 1024;

    internal static float[] Rent(int length)
    {
        if (length >= MinPooledLength)
            lock (Gate)
                if (Buckets.TryGetValue(length, out var bucket))
                {
                    bucket.LastUse = ++_clock;
                    if (bucket.Buffers.TryPop(out var buffer))
                    {
                        _pooledFloats -= length;
                        _reused++;
                        return buffer;
                    }
                }
        return length == 0 ? [] : GC.AllocateUninitializedArray<float>(length);
    }

    internal static void Return(float[] buffer)
    {
        int length = buffer.Length;
        if (length < MinPooledLength) return;
        lock (Gate)
        {
            long capacity = EffectiveCapacityFloats;
            if (length > capacity) return;
            if (_pooledFloats + length > capacity) Evict(capacity - capacity / 8 - length);
            if (_pooledFloats + length > capacity) return;
            if (!Buckets.TryGetValue(length, out var bucket)) Buckets[length] = bucket = new Bucket();
            bucket.LastUse = ++_clock;
            bucket.Buffers.Push(buffer);
            _pooledFloats += length;
        }
    }

    // Drops idle buffers, least recently used lengths first, until at most `target` floats stay idle (Gate held).
    private static void Evict(long target)
    {
        foreach (var (length, bucket) in Buckets.OrderBy(b => b.Value.LastUse).ToList())
        {
            while (_pooledFloats > target && bucket.Buffers.TryPop(out _))
            {
                _pooledFloats -= length;
                _evicted++;
            }
            if (bucket.Buffers.Count == 0) Buckets.Remove(length);
            if (_pooledFloats <= target) return;
        }
    }

    /// <summary>Drops every pooled buffer, and forgets the scope sizes seen so far (the limit returns to <see cref="CapacityFloats"/>).</summary>
    public static void Clear()
    {
        lock (Gate)
        {
            Buckets.Clear();
            _pooledFloats = 0;
            Interlocked.Exchange(ref _peakOpenFloats, Interlocked.Read(ref _openFloats));
        }
    }
}

/// <summary>Collects every tensor created on this thread while it is open and returns their buffers when disposed,
/// except those passed to <see cref="Keep"/>. Wrap one inference call in a scope to make it allocation-free.</summary>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic] private static TensorScope? _current;
    private readonly TensorScope? _parent;
    private readonly List<Tensor> _tracked = [];
    private readonly HashSet<Tensor> _kept = [];
    private readonly HashSet<Tensor>? _releasable; // tensors of this scope that Backward may hand back early
    private long _floats; // storage of every tensor tracked (counted open in the pool's limit until this scope ends)

    public TensorScope()
    {
        _parent = _current;
        _current = this;
    }

    /// <summary>Until the result is disposed, tensors created on this thread belong to no scope: for long-lived state (model
    /// weights, a lazily loaded detector) created while a caller's scope may be open, which must not go back to the pool
    /// when that scope ends.</summary>
    public static IDisposable Suspend() => new Suspension();

    private sealed class Suspension : IDisposable
    {
        private readonly TensorScope? _saved = _current;
        private bool _disposed;

        public Suspension() => _current = null;

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            _current = _saved;
        }
    }

    /// <summary>A scope whose forward results may go back to the pool during <see cref="Tensor.Backward"/>, each as soon as
    /// every backward rule that reads it has run (a training step's peak is then its activations, not activations plus
    /// gradients). The caller promises not to read any op result created in this scope after calling Backward (read the
    /// loss before); leaves, kept tensors, the tensor Backward starts from and tensors of outer scopes are never released.</summary>
    public TensorScope(bool releaseActivationsInBackward) : this()
    {
        if (releaseActivationsInBackward) _releasable = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
    }

    /// <summary>Debugging and tests: fill released activations with NaN before they go back to the pool, so a backward rule that still
    /// read one would produce NaN gradients instead of silently reading whatever reused the buffer.</summary>
    public static bool PoisonReleased { get; set; }

    internal static void Track(Tensor t)
    {
        if (_current is not { } scope || t.IsView) return;
        scope._tracked.Add(t);
        scope._floats += t.Storage.Length;
        TensorPool.ScopeFloats(t.Storage.Length);
        scope._releasable?.Add(t);
    }

    /// <summary>Called by Backward once no backward rule can read <paramref name="t"/> any more: returns its buffer to the
    /// pool when the innermost scope allows it and created it.</summary>
    internal static void ReleaseActivation(Tensor t)
    {
        if (_current is not { _releasable: { } releasable } scope || t.IsView || !releasable.Remove(t) || scope._kept.Contains(t)) return;
        if (PoisonReleased) t.Storage.AsSpan().Fill(float.NaN);
        t.Dispose();
        Interlocked.Increment(ref _released);
    }

    /// <summary>Model code's promise that nothing reads <paramref name="t"/>'s values again: neither its own code nor any
    /// backward rule (the inputs of a concatenation, for one, whose backward only slices the gradient, when they were made by
    /// ops whose backward needs no output either). In a scope that releases activations (a training step), when that scope
    /// created <paramref name="t"/> and it is not kept, its buffer goes back to the pool now rather than when Backward passes
    /// it; elsewhere nothing happens. A view counts only when it spans its whole owner (a reshape): the owner is released.</summary>
    public static void ReleaseNow(Tensor t)
    {
        var owner = t.Owner;
        if (t.IsView && (t.Offset != owner.Offset || t.Count != owner.Count || !t.IsContiguous)) return;
        if (_current is not { _releasable: { } releasable } scope || scope._kept.Contains(owner) || !releasable.Remove(owner)) return;
        if (PoisonReleased) owner.Storage.AsSpan().Fill(float.NaN);
        owner.Dispose();
        Interlocked.Increment(ref _released);
    }

    /// <summary>Activations handed back early by Backward so far (for tests and benchmarks).</summary>
    public static long Released => Interlocked.Read(ref _released);
    private static long _released;

    /// <summary>Keeps a tensor (and, for a view, the tensor owning its storage) alive past the scope; returns it.</summary>
    public Tensor Keep(Tensor t)
    {
        _kept.Add(t.Owner);
        return t;
    }

    public void Dispose()
    {
        if (_current != this) throw new InvalidOperationException("TensorScopes must be disposed in reverse order of creation.");
        _current = _parent;
        long handedOn = 0; // kept tensors stay open in the parent scope
        foreach (var t in _tracked)
        {
            if (!_kept.Contains(t)) t.Dispose();
            else if (_parent is not null)
            {
                _parent._tracked.Add(t);
                _parent._floats += t.Storage.Length;
                handedOn += t.Storage.Length;
            }
        }
        TensorPool.ScopeFloats(handedOn - _floats);
        _floats = 0;
        _tracked.Clear();
    }
}
