using FaceParse.Tensors;

namespace FaceParse.Nn.Optimizers;

/// <summary>One parameter's optimiser state: its step count and named buffers shaped like the parameter.</summary>
/// <remarks>Buffers are allocated when the optimiser is built, not during <see cref="Optimizer.Step"/>, so a step may run
/// inside a <see cref="TensorScope"/> without the scope reclaiming them.</remarks>
public sealed class ParamState
{
    private readonly OrderedDictionary<string, Tensor> _buffers = new(StringComparer.Ordinal);

    internal ParamState(IReadOnlyList<int> shape, IEnumerable<string> bufferNames)
    {
        foreach (var name in bufferNames) _buffers[name] = Tensor.Zeros([.. shape]);
    }

    /// <summary>Number of updates applied to this parameter (0 before the first).</summary>
    public long Step { get; set; }

    public IEnumerable<KeyValuePair<string, Tensor>> Buffers => _buffers;

    /// <summary>The elements of buffer <paramref name="name"/>.</summary>
    public Span<float> this[string name] =>
        _buffers.TryGetValue(name, out var t) ? t.Span : throw new KeyNotFoundException($"Optimiser state has no buffer '{name}'.");

    internal bool TryGetTensor(string name, out Tensor tensor) => _buffers.TryGetValue(name, out tensor!);
}
