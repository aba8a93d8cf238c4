namespace FaceParse.Tensors;

public sealed partial class Tensor
{
    private bool _requiresGrad;

    /// <summary>Leaf tensors (parameters) set this; op results get it when any input has it and grad mode is on.</summary>
    public bool RequiresGrad
    {
        get => _requiresGrad;
        set
        {
            if (!value && Node is not null) throw new InvalidOperationException("Cannot clear RequiresGrad on a non-leaf tensor; use Detach().");
            _requiresGrad = value;
        }
    }

    /// <summary>dL/dThis after <see cref="Backward"/>, for leaves. Accumulates over backward calls until set to null.</summary>
    public Tensor? Grad { get; set; }

    internal GradNode? Node { get; private set; }

    /// <summary>True for tensors created by the user (not by an op that recorded a node).</summary>
    public bool IsLeaf => Node is null;

    /// <summary>Same storage, no graph: gradients do not flow through the result (torch.Tensor.detach).</summary>
    public Tensor Detach() => new(_data, _shape, _strides, Offset, this);

    /// <summary>Records <paramref name="backward"/> on this op result when grad mode is on and an input requires grad.</summary>
    /// <remarks>The one way ops register their gradient rule; call it right after computing the forward.</remarks>
    internal Tensor Record(string op, Tensor[] inputs, Action<Tensor> backward)
    {
        if (!GradMode.Enabled) return this;
        Tensor[] tracked = Array.FindAll(inputs, t => t.RequiresGrad);
        if (tracked.Length == 0) return this;
        _requiresGrad = true;
        Node = new GradNode(op, tracked, backward);
        return this;
    }

    /// <summary>Adds <paramref name="grad"/> (shape of this tensor) into <see cref="Grad"/>. Never in place:
    /// a gradient tensor may be shared by several inputs (e.g. both sides of an add).</summary>
    internal void AccumulateGrad(Tensor grad)
    {
        if (!_requiresGrad) return;
        if (!Shapes.Equal(grad.ShapeArray, _shape))
            throw new InvalidOperationException($"Gradient of shape {Shapes.Format(grad.ShapeArray)} for a tensor of shape {Shapes.Format(_shape)} (op {Node?.Op ?? "leaf"}).");
        if (Grad is null)
        {
            Grad = IsLeaf ? grad.Clone() : grad;
            if (IsLeaf) GradRecycler.Keep(Grad);
            else GradRecycler.Hold(grad);
        }
        else
        {
            var old = Grad;
            using (GradMode.NoGrad()) Grad = Grad.Add(grad);
            if (IsLeaf) GradRecycler.Keep(Grad);
            else
            {
                GradRecycler.Hold(Grad);
                GradRecycler.Release(old);
            }
        }
    }

    /// <summary>Back-propagates from this scalar (or from <paramref name="gradient"/> of this tensor's shape).</summary>
    /// <remarks>Visits the graph once in reverse topological order; intermediate gradients are freed as soon as used,
    /// and the graph is released so a second Backward needs a new forward (like PyTorch without retain_graph).</remarks>
    public void Backward(Tensor? gradient = null)
    {
        if (!_requiresGrad) throw new InvalidOperationException("Backward() on a tensor that does not require grad.");
        if (gradient is null && Count != 1) throw new InvalidOperationException($"Backward() without a gradient needs a one-element tensor, got shape {Shapes.Format(_shape)}.");
        var order = TopologicalOrder();
        using (GradMode.NoGrad())
        using (var recycler = GradRecycler.Begin())
        {
            AccumulateGrad(gradient ?? Full(1f, _shape));
            for (int i = order.Count - 1; i >= 0; i--)
            {
                var t = order[i];
                var node = t.Node!;
                var g = t.Grad;
                if (!t.IsLeaf) t.Grad = null;
                // Every consumer of t ran before it, so t's rule (and the activations it captured) is needed no more:
                // releasing it now lets the collector reclaim the forward activations while backward is still running.
                t.Node = null;
                if (g is not null)
                {
                    node.Backward(g);
                    GradRecycler.Release(g);
                }
                // t's own rule and all its consumers' rules have run: in a releasing TensorScope its buffer can be reused now.
                if (!ReferenceEquals(t, this)) TensorScope.ReleaseActivation(t);
                if (g is not null) recycler.Recycle();
            }
        }
    }

    // Non-leaf tensors reachable from this one, each after all of its inputs.
    private List<Tensor> TopologicalOrder()
    {
        var order = new List<Tensor>();
        var visited = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(Tensor T, bool Expanded)>();
        stack.Push((this, false));
        while (stack.Count > 0)
        {
            var (t, expanded) = stack.Pop();
            if (t.Node is null) continue;
            if (expanded) { order.Add(t); continue; }
            if (!visited.Add(t)) continue;
            stack.Push((t, true));
            foreach (var input in t.Node.Inputs)
                if (!visited.Contains(input)) stack.Push((input, false));
        }
        return order;
    }
}
