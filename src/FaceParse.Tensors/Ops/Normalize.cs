namespace FaceParse.Tensors;

// torch.nn.functional.normalize (p = 2) and torchvision.ops.stochastic_depth, composed from existing differentiable
// ops, so their backward is those ops'.
public sealed partial class Tensor
{
    /// <summary>torch.nn.functional.normalize(x, p=2, dim=axis, eps): x / max(‖x‖₂, eps) along one axis.</summary>
    // x[*] -> y[*] (same shape)
    public Tensor L2Normalize(int axis = -1, float eps = 1e-12f)
    {
        int a = Shapes.Axis(axis, Rank);
        var norm = Square().Sum([a], keepDim: true).Sqrt().Clamp(min: eps);
        return Div(norm);
    }

    /// <summary>torchvision.ops.stochastic_depth(x, p, mode): the identity in eval or with p = 0; while training each
    /// sample ("row", axis 0) or the whole batch ("batch") is dropped with probability p and survivors are scaled by
    /// 1/(1 − p).</summary>
    // x[N, *] -> y[N, *]
    public Tensor StochasticDepth(float p, bool rowMode, bool training, Random rng)
    {
        if (p is < 0f or > 1f || float.IsNaN(p)) throw new ArgumentOutOfRangeException(nameof(p), $"stochastic_depth: p must be in [0, 1], got {p}.");
        ArgumentNullException.ThrowIfNull(rng);
        if (!training || p == 0f) return this;
        if (Rank == 0) throw new ArgumentException("stochastic_depth: input must have a batch axis.");
        float survival = 1f - p;
        var maskShape = new int[Rank];
        Array.Fill(maskShape, 1);
        if (rowMode) maskShape[0] = _shape[0];
        var mask = Empty(maskShape);
        var ms = mask.Span;
        for (int i = 0; i < ms.Length; i++) ms[i] = rng.NextDouble() < survival ? 1f / survival : 0f;
        if (survival == 0f) ms.Clear();
        return Mul(mask);
    }
}
