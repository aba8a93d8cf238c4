using FaceParse.Tensors;

namespace FaceParse.Nn;

/// <summary>Constructor and input checks shared by the standard layers; messages name the layer and the argument.</summary>
internal static class LayerChecks
{
    public static void RequirePositive(string layer, params (string Name, int Value)[] args)
    {
        foreach (var (name, value) in args)
            if (value <= 0) throw new ArgumentOutOfRangeException(name, $"{layer}: {name} must be positive, got {value}.");
    }

    public static void RequireDivisible(string layer, string what, int value, string byWhat, int by)
    {
        if (value % by != 0) throw new ArgumentException($"{layer}: {what} ({value}) must be divisible by {byWhat} ({by}).");
    }

    public static void RequireRank(string layer, Tensor x, int rank, string layout)
    {
        if (x.Rank != rank) throw new ArgumentException($"{layer}: expected input {layout}, got {Shapes.Format(x.Shape)}.");
    }

    /// <summary>The optional affine pair of a normalisation layer: <c>weight</c> ones and <c>bias</c> zeros of [size], or none.</summary>
    public static (Tensor? Weight, Tensor? Bias) Affine(Func<string, int[], Initializer, Tensor> param, int size, bool affine, bool bias = true) =>
        affine ? (param("weight", [size], Init.Ones), bias ? param("bias", [size], Init.Zeros) : null) : (null, null);
}
