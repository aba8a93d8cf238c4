using FaceParse.Tensors;

namespace FaceParse.Nn;

/// <summary>What <see cref="Module.LoadStateDict"/> did not match (both empty after a strict load).</summary>
public sealed record LoadResult(IReadOnlyList<string> MissingKeys, IReadOnlyList<string> UnexpectedKeys);

// state_dict / load_state_dict: parameters and persistent buffers by key path.
public abstract partial class Module
{
    /// <summary>Parameters and persistent buffers by key path, in torch order. The values are the live tensors
    /// (as in torch): clone them to keep a snapshot while training continues.</summary>
    public OrderedDictionary<string, Tensor> StateDict()
    {
        var dict = new OrderedDictionary<string, Tensor>();
        foreach (var (path, module) in NamedModules())
        {
            foreach (var (name, p) in module._parameters) dict.TryAdd(Join(path, name), p);
            foreach (var (name, b, persistent) in module._buffers)
                if (persistent) dict.TryAdd(Join(path, name), b);
        }
        return dict;
    }

    /// <summary>Copies <paramref name="state"/> into this module's parameters and buffers (torch's load_state_dict).</summary>
    /// <remarks>A shape mismatch always throws; with <paramref name="strict"/> missing and unexpected keys throw too.
    /// The exception lists every problem at once. Nothing is copied unless the whole load is accepted.</remarks>
    /// <exception cref="InvalidDataException">Keys or shapes do not match.</exception>
    public LoadResult LoadStateDict(IReadOnlyDictionary<string, Tensor> state, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(state);
        var own = StateDict();
        var missing = own.Keys.Where(k => !state.ContainsKey(k)).ToList();
        var unexpected = state.Keys.Where(k => !own.ContainsKey(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        var mismatched = new List<string>();
        foreach (var (key, target) in own)
        {
            if (state.TryGetValue(key, out var source) && !Shapes.Equal([.. source.Shape], [.. target.Shape]))
                mismatched.Add($"'{key}': checkpoint has shape {Shapes.Format(source.Shape)}, model has {Shapes.Format(target.Shape)}");
        }
        if (mismatched.Count > 0 || (strict && (missing.Count > 0 || unexpected.Count > 0)))
            throw new InvalidDataException(DescribeLoadErrors(GetType().Name, missing, unexpected, mismatched, strict));

        using (GradMode.NoGrad())
        {
            foreach (var (key, target) in own)
                if (state.TryGetValue(key, out var source)) CopyInto(source, target);
        }
        return new LoadResult(missing, unexpected);
    }

    /// <summary>Copies the elements of <paramref name="source"/> into the contiguous <paramref name="target"/> of the same count.</summary>
    internal static void CopyInto(Tensor source, Tensor target)
    {
        if (ReferenceEquals(source, target)) return;
        using (GradMode.NoGrad()) source.Contiguous().Span.CopyTo(target.Span);
    }

    private static string DescribeLoadErrors(string model, List<string> missing, List<string> unexpected, List<string> mismatched, bool strict)
    {
        var parts = new List<string>();
        if (strict && missing.Count > 0) parts.Add($"missing keys ({missing.Count}): {string.Join(", ", missing)}");
        if (strict && unexpected.Count > 0) parts.Add($"unexpected keys ({unexpected.Count}): {string.Join(", ", unexpected)}");
        if (mismatched.Count > 0) parts.Add($"shape mismatches ({mismatched.Count}): {string.Join("; ", mismatched)}");
        return $"Error(s) loading state dict for {model}: {string.Join(". ", parts)}.";
    }
}
