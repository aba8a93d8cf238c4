using System.Collections.Concurrent;

namespace FaceParse.Tensors;

/// <summary>Reuses float buffers by exact length so steady-state inference (same shapes every call) does not allocate.</summary>
/// <remarks>Buffers come back through <see cref="Tensor.Dispose"/> or a <see cref="TensorScope"/>. Rented buffers are
/// NOT cleared; <see cref="Tensor.Zeros(int[])"/> clears, <see cref="Tensor.Empty(int[])"/> does not.</remarks>
public static class TensorPool
{
    private static readonly ConcurrentDictionary<int, ConcurrentBag<float[]>> Buckets = new();
    private static long _pooledFloats;

    /// <summary>Floats the pool may keep idle (default 512 Mi floats = 2 GiB). The limit in force is the larger of this and
    /// the most floats any one <see cref="TensorScope"/> has created, counting a scope still open (<see cref="EffectiveCapacityFloats"/>): a step that
    /// needs more than the default at once (SegFace training at 512, batch 4: about 6 GB) then finds all its buffers again
    /// next time, instead of dropping them to the garbage collector and allocating anew — which made the peak grow by
    /// gigabytes per step until a gen-2 collection. An open scope counts as soon as it passes the default, so the buffers a
    /// first training step hands back during its backward pass are kept too, not dropped as garbage that the second step's
    /// new buffers would then sit beside (SegFace-mobilenet at 512, batch 2: 1.1 GB of it, the peak 4.5 GB instead of 3.5).</summary>
    public static long CapacityFloats { get; set; } = 512L << 20;

    /// <summary>The limit on idle floats now in force: max(<see cref="CapacityFloats"/>, the largest scope's floats).</summary>
    public static long EffectiveCapacityFloats => Math.Max(CapacityFloats, Interlocked.Read(ref _largestScopeFloats));
    private static long _largestScopeFloats;

    // Called with the floats of every tensor a scope has created so far (views excluded): when it ends, and while it grows
    // past the default capacity.
    internal static void NoteScopeFloats(long floats)
    {
        long seen;
        while (floats > (seen = Interlocked.Read(ref _largestScopeFloats)) && Interlocked.CompareExchange(ref _largestScopeFloats, floats, seen) != seen) { }
    }

    /// <summary>Buffers handed out that were reused rather than allocated (for tests and benchmarks).</summary>
    public static long Reused => Interlocked.Read(ref _reused);
    private static long _reused;

    /// <summary>Floats held by idle pooled buffers now (for benchmarks: memory the pool keeps for reuse).</summary>
    public static long IdleFloats => Interlocked.Read(ref _pooledFloats);

    /// <summary>Whether <see cref="Tensor.Backward"/> returns its temporaries (intermediate gradients) to the pool as soon
    /// as nothing can read them (default true). Off, they are left to the garbage collector.</summary>
    public static bool RecycleBackward { get; set; } = true;

    // Small tensors are cheaper to allocate than to pool.
    private const int MinPooledLength = 1024;

    internal static float[] Rent(int length)
    {
        if (length >= MinPooledLength && Buckets.TryGetValue(length, out var bag) && bag.TryTake(out var buffer))
        {
            Interlocked.Add(ref _pooledFloats, -length);
            Interlocked.Increment(ref _reused);
            return buffer;
        }
        return length == 0 ? [] : GC.AllocateUninitializedArray<float>(length);
    }

    internal static void Return(float[] buffer)
    {
        if (buffer.Length < MinPooledLength) return;
        if (Interlocked.Add(ref _pooledFloats, buffer.Length) > EffectiveCapacityFloats)
        {
            Interlocked.Add(ref _pooledFloats, -buffer.Length);
            return;
        }
        Buckets.GetOrAdd(buffer.Length, _ => new ConcurrentBag<float[]>()).Add(buffer);
    }

    /// <summary>Drops every pooled buffer, and forgets the scope sizes seen so far (the limit returns to <see cref="CapacityFloats"/>).</summary>
    public static void Clear()
    {
        Buckets.Clear();
        Interlocked.Exchange(ref _largestScopeFloats, 0);
        Interlocked.Exchange(ref _pooledFloats, 0);
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
    private long _floats; // storage of every tensor tracked, for the pool's limit

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
        if (scope._floats > TensorPool.CapacityFloats) TensorPool.NoteScopeFloats(scope._floats);
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
        TensorPool.NoteScopeFloats(_floats);
        foreach (var t in _tracked)
        {
            if (_kept.Contains(t)) _parent?._tracked.Add(t);
            else t.Dispose();
        }
        _tracked.Clear();
    }
}
