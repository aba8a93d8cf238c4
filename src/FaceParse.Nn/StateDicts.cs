using FaceParse.Tensors;
using FaceParse.Tensors.Serialization;
using FaceParse.Tensors.Serialization.PyTorch;

namespace FaceParse.Nn;

/// <summary>Checkpoints on disk: safetensors files holding a PyTorch state dict, or PyTorch's own .pt/.pth files.</summary>
public static class StateDicts
{
    /// <summary>The tensors of the safetensors file (or PyTorch checkpoint, see <see cref="LoadPyTorch"/>) at <paramref name="path"/> by key, ready for <see cref="VarBuilder.From"/>
    /// or <see cref="Module.LoadStateDict"/>.</summary>
    /// <remarks>Every dtype arrives as float32: integer buffers such as BatchNorm's int64 <c>num_batches_tracked</c> (a
    /// 0-d tensor) become exact float counts below 2²⁴, bool masks 0/1, half and bfloat16 weights widen exactly.
    /// Keys starting with <paramref name="stripPrefix"/> (e.g. "module." from DataParallel) lose it; the others are kept.</remarks>
    /// <exception cref="InvalidDataException">The file is not valid safetensors, or stripping the prefix makes two keys collide.</exception>
    public static Dictionary<string, Tensor> Load(string path, string? stripPrefix = null)
    {
        if (IsPyTorch(path)) return LoadPyTorch(path, null, stripPrefix);
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

    /// <summary>Builds a model from a state dict through <see cref="VarBuilder.Checking"/>: every tensor the model asks for
    /// must be present with its shape, and with <paramref name="strict"/> every checkpoint key must be used. One exception
    /// lists every problem: missing keys with the shape the model expects, unexpected keys, and mis-shaped keys with both shapes.</summary>
    /// <exception cref="InvalidDataException">Keys are missing or mis-shaped, or (strict) keys were left over.</exception>
    public static T Build<T>(IReadOnlyDictionary<string, Tensor> state, Func<VarBuilder, T> make, bool strict = true) where T : Module
    {
        ArgumentNullException.ThrowIfNull(make);
        var vb = VarBuilder.Checking(state);
        var model = make(vb);
        var (missing, unexpected, mismatched) = vb.Problems();
        if (missing.Count > 0 || mismatched.Count > 0 || (strict && unexpected.Count > 0))
        {
            var parts = new List<string>();
            if (missing.Count > 0) parts.Add($"missing keys ({missing.Count}): {string.Join(", ", missing)}");
            if (strict && unexpected.Count > 0) parts.Add($"unexpected keys ({unexpected.Count}): {string.Join(", ", unexpected)}");
            if (mismatched.Count > 0) parts.Add($"shape mismatches ({mismatched.Count}): {string.Join("; ", mismatched)}");
            throw new InvalidDataException($"Error(s) building {typeof(T).Name} from a state dict: {string.Join(". ", parts)}.");
        }
        return model;
    }

    /// <summary>The state dict of a PyTorch checkpoint (.pt/.pth, either torch.save format) as float32 tensors, read by the
    /// restricted unpickler (nothing in the file runs). <paramref name="key"/> picks the dict (default: state_dict_backbone,
    /// state_dict, model, then the root); keys starting with <paramref name="stripPrefix"/> lose it.</summary>
    /// <exception cref="UnsafeCheckpointException">The pickle names a global or opcode outside the allow-list.</exception>
    /// <exception cref="InvalidDataException">Malformed, over a limit, no such key, or prefix collisions.</exception>
    public static Dictionary<string, Tensor> LoadPyTorch(string path, string? key = null, string? stripPrefix = null)
    {
        var checkpoint = TorchCheckpoint.Load(path);
        try { return checkpoint.ToTensors(key, stripPrefix); }
        catch (KeyNotFoundException e) { throw new InvalidDataException(e.Message, e); }
    }

    /// <summary>True when <paramref name="path"/> starts like a torch.save file (a zip archive or the legacy pickle header)
    /// rather than safetensors.</summary>
    public static bool IsPyTorch(string path)
    {
        Span<byte> head = stackalloc byte[4];
        using var f = File.OpenRead(path);
        int n = f.ReadAtLeast(head, 4, throwOnEndOfStream: false);
        return n == 4 && (head.SequenceEqual("PK\u0003\u0004"u8) || (head[0] == 0x80 && head[2] == 0x8a && head[3] == 0x0a));
    }

    /// <summary>Writes <paramref name="module"/>'s state dict (parameters and persistent buffers) as float32 safetensors.</summary>
    public static void Save(string path, Module module, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        SafeTensors.Save(path, module.StateDict(), metadata);
    }
}
