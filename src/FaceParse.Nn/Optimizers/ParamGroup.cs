using FaceParse.Tensors;

namespace FaceParse.Nn.Optimizers;

/// <summary>Parameters an optimiser updates together, keyed by their state-dict paths, with optional overrides.</summary>
public sealed class ParamGroup
{
    public ParamGroup(IEnumerable<KeyValuePair<string, Tensor>> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Parameters = parameters.ToList();
        foreach (var (name, p) in Parameters)
        {
            if (!p.IsContiguous) throw new ArgumentException($"Parameter '{name}' is not contiguous; optimisers update parameters in place.");
            if (!p.IsLeaf) throw new ArgumentException($"Parameter '{name}' is not a leaf tensor.");
        }
    }

    public IReadOnlyList<KeyValuePair<string, Tensor>> Parameters { get; }

    /// <summary>Weight decay for this group; null uses the optimiser's.</summary>
    public double? WeightDecay { get; init; }

    /// <summary>This group's learning rate is the optimiser's <see cref="Optimizer.Lr"/> times this factor.</summary>
    public double LrScale { get; init; } = 1;

    /// <summary>All parameters of <paramref name="module"/> in one group.</summary>
    public static ParamGroup Of(Module module) => new(module.NamedParameters());

    /// <summary>Loose tensors, keyed by <see cref="Tensor.Name"/> or, when unnamed, by their index (as torch does).</summary>
    public static ParamGroup Of(params Tensor[] parameters) =>
        new(parameters.Select((p, i) => new KeyValuePair<string, Tensor>(p.Name ?? i.ToString(System.Globalization.CultureInfo.InvariantCulture), p)));

    /// <summary>Two groups, the usual AdamW split: decayed parameters, and those matched by <paramref name="noDecay"/>
    /// (by default tensors of rank ≤ 1: biases and norm scales) with weight decay 0.</summary>
    public static ParamGroup[] DecayAndNoDecay(Module module, Func<string, Tensor, bool>? noDecay = null)
    {
        noDecay ??= (_, p) => p.Rank <= 1;
        var all = module.NamedParameters().ToList();
        return
        [
            new ParamGroup(all.Where(kv => !noDecay(kv.Key, kv.Value))),
            new ParamGroup(all.Where(kv => noDecay(kv.Key, kv.Value))) { WeightDecay = 0 },
        ];
    }
}
