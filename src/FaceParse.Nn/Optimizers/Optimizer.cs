using System.Globalization;
using FaceParse.Tensors;

namespace FaceParse.Nn.Optimizers;

/// <summary>Base of the optimisers: walks the groups and hands each parameter's data, gradient and state to
/// <see cref="Update"/>, outside the autograd graph. Parameters without a gradient are skipped (torch semantics).</summary>
/// <remarks>State-dict keys are <c>state.{parameter key}.step</c> and <c>state.{parameter key}.{buffer}</c>
/// (<c>exp_avg</c>, <c>exp_avg_sq</c>, <c>max_exp_avg_sq</c>, <c>momentum_buffer</c>); the learning rate is not state,
/// because schedules are stateless (<c>opt.Lr = schedule.LrAt(step)</c>).</remarks>
public abstract class Optimizer
{
    private const string StatePrefix = "state.";
    private const string StepKey = "step";
    private readonly List<ParamGroup> _groups;
    private readonly Dictionary<string, ParamState> _state = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor> _byName = new(StringComparer.Ordinal);

    protected Optimizer(IEnumerable<ParamGroup> groups, double lr, double weightDecay)
    {
        ArgumentNullException.ThrowIfNull(groups);
        if (lr < 0) throw new ArgumentOutOfRangeException(nameof(lr), $"Invalid learning rate {lr}.");
        if (weightDecay < 0) throw new ArgumentOutOfRangeException(nameof(weightDecay), $"Invalid weight decay {weightDecay}.");
        _groups = groups.ToList();
        foreach (var (name, p) in _groups.SelectMany(g => g.Parameters))
            if (!_byName.TryAdd(name, p)) throw new ArgumentException($"Parameter '{name}' appears in more than one place.");
        Lr = lr;
        WeightDecay = weightDecay;
    }

    /// <summary>Base learning rate (set it from a schedule before each <see cref="Step"/>).</summary>
    public double Lr { get; set; }

    /// <summary>Weight decay for groups that do not set their own.</summary>
    public double WeightDecay { get; }

    public IReadOnlyList<ParamGroup> Groups => _groups;

    /// <summary>Applies one update to every parameter that has a gradient.</summary>
    public void Step()
    {
        using var noGrad = GradMode.NoGrad();
        foreach (var group in _groups)
        {
            double lr = Lr * group.LrScale, wd = group.WeightDecay ?? WeightDecay;
            foreach (var (name, p) in group.Parameters)
            {
                if (p.Grad is not { } grad) continue;
                if (!_state.TryGetValue(name, out var state)) _state[name] = state = new ParamState();
                state.Step++;
                Update(p, grad.Contiguous().Span, state, lr, wd);
            }
        }
    }

    /// <summary>Updates <paramref name="param"/> in place (its <see cref="Tensor.Span"/>) from <paramref name="grad"/>;
    /// <paramref name="state"/>.Step already counts this update.</summary>
    protected abstract void Update(Tensor param, ReadOnlySpan<float> grad, ParamState state, double lr, double weightDecay);

    /// <summary>Drops the gradients of every parameter (zero_grad(set_to_none=True)).</summary>
    public void ZeroGrad()
    {
        foreach (var p in _byName.Values) p.Grad = null;
    }

    /// <summary>The state of parameter <paramref name="name"/>, or null before its first update.</summary>
    public ParamState? StateOf(string name) => _state.GetValueOrDefault(name);

    /// <summary>A snapshot (copies) of every parameter's state, in parameter order.</summary>
    public OrderedDictionary<string, Tensor> StateDict()
    {
        var dict = new OrderedDictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var name in _byName.Keys)
        {
            if (!_state.TryGetValue(name, out var state)) continue;
            dict[Key(name, StepKey)] = Tensor.Scalar(state.Step);
            foreach (var (buffer, t) in state.Buffers) dict[Key(name, buffer)] = t.Clone();
        }
        return dict;
    }

    /// <summary>Replaces all state with copies of <paramref name="state"/> (from <see cref="StateDict"/>).</summary>
    /// <exception cref="InvalidDataException">A key names no parameter, a buffer's shape differs from its parameter's, or a step is missing.</exception>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var loaded = new Dictionary<string, ParamState>(StringComparer.Ordinal);
        var errors = new List<string>();
        foreach (var (key, value) in state)
        {
            int dot = key.LastIndexOf('.');
            string name = dot > StatePrefix.Length ? key[StatePrefix.Length..dot] : "";
            if (!key.StartsWith(StatePrefix, StringComparison.Ordinal) || !_byName.TryGetValue(name, out var p))
            {
                errors.Add($"unexpected key '{key}'");
                continue;
            }
            string buffer = key[(dot + 1)..];
            if (!loaded.TryGetValue(name, out var ps)) loaded[name] = ps = new ParamState { Step = -1 };
            if (buffer == StepKey) ps.Step = (long)value.ToScalar();
            else if (!Shapes.Equal([.. value.Shape], [.. p.Shape]))
                errors.Add($"'{key}' has shape {Shapes.Format(value.Shape)}, parameter has {Shapes.Format(p.Shape)}");
            else ps.Set(buffer, value.Clone());
        }
        errors.AddRange(loaded.Where(kv => kv.Value.Step < 0).Select(kv => $"missing key '{Key(kv.Key, StepKey)}'"));
        if (errors.Count > 0) throw new InvalidDataException($"Error(s) loading {GetType().Name} state: {string.Join("; ", errors)}.");
        _state.Clear();
        foreach (var (name, ps) in loaded) _state[name] = ps;
    }

    private static string Key(string name, string buffer) => string.Create(CultureInfo.InvariantCulture, $"{StatePrefix}{name}.{buffer}");
}
