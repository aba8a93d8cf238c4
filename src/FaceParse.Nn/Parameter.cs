using FaceParse.Tensors;

namespace FaceParse.Nn;

/// <summary>The parameter convention: a leaf tensor with <see cref="Tensor.RequiresGrad"/> set and
/// <see cref="Tensor.Name"/> holding its state-dict key path (<c>decoder.layers.0.weight</c>).</summary>
public static class Parameter
{
    /// <summary>Makes <paramref name="tensor"/> a parameter named <paramref name="keyPath"/> and returns it.</summary>
    public static Tensor Create(Tensor tensor, string keyPath)
    {
        Adopt(tensor, keyPath);
        tensor.Name = keyPath;
        return tensor;
    }

    /// <summary>True for a leaf that requires grad.</summary>
    public static bool IsParameter(Tensor tensor) => tensor.IsLeaf && tensor.RequiresGrad;

    // Marks a tensor as trainable, keeping a name it already has (the builder sets full key paths).
    internal static void Adopt(Tensor tensor, string name)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!tensor.IsLeaf) throw new ArgumentException($"Parameter '{name}' must be a leaf tensor; Detach() the result of an op first.");
        if (!tensor.IsContiguous) throw new ArgumentException($"Parameter '{name}' must be contiguous; optimisers update it in place.");
        tensor.RequiresGrad = true;
        tensor.Name ??= name;
    }
}
