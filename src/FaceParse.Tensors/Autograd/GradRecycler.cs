namespace FaceParse.Tensors;

/// <summary>Returns the storage of backward temporaries to <see cref="TensorPool"/> during <see cref="Tensor.Backward"/>,
/// as soon as nothing can read it any more, so a training step reuses its backward buffers instead of leaving them to the
/// collector (a 256² fp-liif-small step otherwise allocates ≈ 750 MB of short-lived gradients).</summary>
/// <remarks>Checked only between backward rules (no rule is running), a storage is recycled when all of these hold: it was
/// rented by <see cref="Tensor.Empty"/> on this thread during this backward pass (never a forward activation, a caller's
/// gradient or a wrapped array); no non-leaf tensor's <see cref="Tensor.Grad"/> refers to it (views included: holds are
/// counted per owning storage); and it is not a leaf's gradient (those are kept for the optimiser). Backward rules keep no
/// tensor they create beyond their own run; what they hand on, they hand on through AccumulateGrad.</remarks>
internal sealed class GradRecycler : IDisposable
{
    [ThreadStatic] private static GradRecycler? _current;
    private readonly HashSet<Tensor> _created = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Tensor, int> _holds = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<Tensor> _kept = new(ReferenceEqualityComparer.Instance);
    private readonly GradRecycler? _parent;

    private GradRecycler(GradRecycler? parent) => _parent = parent;

    /// <summary>Starts tracking for one backward pass on this thread.</summary>
    public static GradRecycler Begin()
    {
        var r = new GradRecycler(_current);
        if (TensorPool.RecycleBackward) _current = r;
        return r;
    }

    /// <summary>Notes a tensor whose storage was just rented from the pool.</summary>
    public static Tensor Created(Tensor t)
    {
        _current?._created.Add(t);
        return t;
    }

    /// <summary>A non-leaf tensor's gradient now refers to <paramref name="grad"/>'s storage.</summary>
    public static void Hold(Tensor grad)
    {
        if (_current is not { } r) return;
        var owner = grad.Owner;
        r._holds[owner] = r._holds.GetValueOrDefault(owner) + 1;
    }

    /// <summary>A non-leaf tensor's gradient no longer refers to <paramref name="grad"/>'s storage.</summary>
    public static void Release(Tensor grad)
    {
        if (_current is not { } r) return;
        var owner = grad.Owner;
        if (!r._holds.TryGetValue(owner, out int n)) return;
        if (n <= 1) r._holds.Remove(owner);
        else r._holds[owner] = n - 1;
    }

    /// <summary>A leaf's gradient: kept after backward.</summary>
    public static void Keep(Tensor grad) => _current?._kept.Add(grad.Owner);

    /// <summary>Between backward rules: returns every storage created in this pass that nothing holds to the pool.</summary>
    public void Recycle()
    {
        _created.RemoveWhere(owner =>
        {
            if (_holds.ContainsKey(owner) || _kept.Contains(owner)) return false;
            owner.Dispose();
            return true;
        });
    }

    public void Dispose()
    {
        if (_current == this) _current = _parent;
        _created.Clear();
        _holds.Clear();
        _kept.Clear();
    }
}
