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
    private string[] _bufferNames = [];

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
        DeclareState();
    }

    /// <summary>Allocates, for every parameter, zeroed buffers with these names (call at the end of a derived constructor).</summary>
    protected void DeclareState(params string[] bufferNames)
    {
        _bufferNames = bufferNames;
        _state.Clear();
        foreach (var (name, p) in _byName) _state[name] = new ParamState(p.Shape, bufferNames);
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
                var state = _state[name];
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

    /// <summary>The state of parameter <paramref name="name"/> (Step 0 before its first update).</summary>
    public ParamState StateOf(string name) => _state[name];

    /// <summary>A snapshot (copies) of every parameter's state, in parameter order.</summary>
    public OrderedDictionary<string, Tensor> StateDict()
    {
        var dict = new OrderedDictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var name in _byName.Keys)
        {
            var state = _state[name];
            if (state.Step == 0) continue;
            dict[Key(name, StepKey)] = Tensor.Scalar(state.Step);
            foreach (var (buffer, t) in state.Buffers) dict[Key(name, buffer)] = t.Clone();
        }
        return dict;
    }

    /// <summary>Replaces all state with <paramref name="state"/> (from <see cref="StateDict"/>); parameters it does not
    /// mention start afresh. Validates everything before changing anything.</summary>
    /// <exception cref="InvalidDataException">A key names no parameter or buffer, a buffer's shape differs from its
    /// parameter's, or a mentioned parameter lacks its step or a buffer.</exception>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var fresh = _byName.ToDictionary(kv => kv.Key, kv => new ParamState(kv.Value.Shape, _bufferNames), StringComparer.Ordinal);
        var mentioned = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var errors = new List<string>();
        foreach (var (key, value) in state)
        {
            int dot = key.LastIndexOf('.');
            string name = dot > StatePrefix.Length && key.StartsWith(StatePrefix, StringComparison.Ordinal) ? key[StatePrefix.Length..dot] : "";
            string buffer = key[(dot + 1)..];
            if (!fresh.TryGetValue(name, out var ps) || (buffer != StepKey && !ps.TryGetTensor(buffer, out _)))
            {
                errors.Add($"unexpected key '{key}'");
                continue;
            }
            if (!mentioned.TryGetValue(name, out var seen)) mentioned[name] = seen = new HashSet<string>(StringComparer.Ordinal);
            seen.Add(buffer);
            if (buffer == StepKey) ps.Step = (long)value.ToScalar();
            else if (ps.TryGetTensor(buffer, out var target) && !Shapes.Equal([.. value.Shape], [.. target.Shape]))
                errors.Add($"'{key}' has shape {Shapes.Format(value.Shape)}, parameter has {Shapes.Format(target.Shape)}");
            else Module.CopyInto(value, target);
        }
        foreach (var (name, seen) in mentioned)
            foreach (var buffer in _bufferNames.Prepend(StepKey))
                if (!seen.Contains(buffer)) errors.Add($"missing key '{Key(name, buffer)}'");
        if (errors.Count > 0) throw new InvalidDataException($"Error(s) loading {GetType().Name} state: {string.Join("; ", errors)}.");
        foreach (var (name, ps) in fresh) _state[name] = ps;
    }

    private static string Key(string name, string buffer) => string.Create(CultureInfo.InvariantCulture, $"{StatePrefix}{name}.{buffer}");
}
