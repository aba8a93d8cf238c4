using FaceParse.Tensors;
using FaceParse.Tensors.Serialization;

namespace FaceParse.Nn;

/// <summary>Checkpoints on disk: safetensors files holding a PyTorch state dict.</summary>
public static class StateDicts
{
    /// <summary>The tensors of the safetensors file at <paramref name="path"/> by key, ready for <see cref="VarBuilder.From"/>
    /// or <see cref="Module.LoadStateDict"/>.</summary>
    /// <remarks>Every dtype arrives as float32: integer buffers such as BatchNorm's int64 <c>num_batches_tracked</c> (a
    /// 0-d tensor) become exact float counts below 2²⁴, bool masks 0/1, half and bfloat16 weights widen exactly.
    /// Keys starting with <paramref name="stripPrefix"/> (e.g. "module." from DataParallel) lose it; the others are kept.</remarks>
    /// <exception cref="InvalidDataException">The file is not valid safetensors, or stripping the prefix makes two keys collide.</exception>
    public static Dictionary<string, Tensor> Load(string path, string? stripPrefix = null)
    {
        var tensors = SafeTensors.Load(path).Tensors;
        if (string.IsNullOrEmpty(stripPrefix)) return tensors;
        var result = new Dictionary<string, Tensor>(tensors.Count, StringComparer.Ordinal);
        foreach (var (key, tensor) in tensors)
        {
            string name = key.StartsWith(stripPrefix, StringComparison.Ordinal) ? key[stripPrefix.Length..] : key;
            if (!result.TryAdd(name, tensor))
                throw new InvalidDataException($"Checkpoint '{path}': key '{key}' becomes '{name}' after removing '{stripPrefix}', which is already present.");
        }
        return result;
    }

    /// <summary>Builds a model from a state dict through <see cref="VarBuilder.From"/>: every tensor the model asks for
    /// must be present with its shape, and with <paramref name="strict"/> every checkpoint key must be used.</summary>
    /// <exception cref="KeyNotFoundException">A key the model needs is missing (the message names it).</exception>
    /// <exception cref="InvalidDataException">A tensor has the wrong shape, or (strict) keys were left over (the message lists them).</exception>
    public static T Build<T>(IReadOnlyDictionary<string, Tensor> state, Func<VarBuilder, T> make, bool strict = true) where T : Module
    {
        ArgumentNullException.ThrowIfNull(make);
        var vb = VarBuilder.From(state);
        var model = make(vb);
        var unused = vb.UnusedKeys();
        if (strict && unused.Count > 0)
            throw new InvalidDataException($"Error(s) building {typeof(T).Name} from a state dict: unexpected keys ({unused.Count}): {string.Join(", ", unused)}.");
        return model;
    }

    /// <summary>Writes <paramref name="module"/>'s state dict (parameters and persistent buffers) as float32 safetensors.</summary>
    public static void Save(string path, Module module, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        SafeTensors.Save(path, module.StateDict(), metadata);
    }
}
