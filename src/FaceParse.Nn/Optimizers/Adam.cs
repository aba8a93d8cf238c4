using FaceParse.Tensors;

namespace FaceParse.Nn.Optimizers;

/// <summary>torch.optim.Adam (L2 weight decay folded into the gradient), and the base of <see cref="AdamW"/>.</summary>
/// <remarks>Per element, at step t: m ← m + (1−β₁)(g − m); v ← β₂v + (1−β₂)g²; (amsgrad: v̂ ← max(v̂, v));
/// p ← p − lr/(1−β₁ᵗ) · m / (√v / √(1−β₂ᵗ) + ε). With decoupled decay, p ← p·(1 − lr·wd) first and g is left alone.</remarks>
public class Adam : Optimizer
{
    public const string ExpAvg = "exp_avg";
    public const string ExpAvgSq = "exp_avg_sq";
    public const string MaxExpAvgSq = "max_exp_avg_sq";

    public Adam(IEnumerable<ParamGroup> groups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0, bool amsgrad = false)
        : this(groups, lr, beta1, beta2, eps, weightDecay, amsgrad, decoupled: false)
    {
    }

    private protected Adam(IEnumerable<ParamGroup> groups, double lr, double beta1, double beta2, double eps, double weightDecay, bool amsgrad, bool decoupled)
        : base(groups, lr, weightDecay)
    {
        if (beta1 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta1), $"Invalid beta1 {beta1}.");
        if (beta2 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta2), $"Invalid beta2 {beta2}.");
        if (eps < 0) throw new ArgumentOutOfRangeException(nameof(eps), $"Invalid eps {eps}.");
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
        AmsGrad = amsgrad;
        Decoupled = decoupled;
        DeclareState(amsgrad ? [ExpAvg, ExpAvgSq, MaxExpAvgSq] : [ExpAvg, ExpAvgSq]);
    }

    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Eps { get; }
    public bool AmsGrad { get; }

    /// <summary>True for AdamW: weight decay shrinks the parameter instead of adding to the gradient.</summary>
    public bool Decoupled { get; }

    protected override void Update(Tensor param, ReadOnlySpan<float> grad, ParamState state, double lr, double weightDecay)
    {
        var p = param.Span;
        Span<float> m = state[ExpAvg], v = state[ExpAvgSq], vMax = AmsGrad ? state[MaxExpAvgSq] : default;
        double bc1 = 1 - Math.Pow(Beta1, state.Step), bc2 = 1 - Math.Pow(Beta2, state.Step);
        float stepSize = (float)(lr / bc1), bc2Sqrt = (float)Math.Sqrt(bc2), eps = (float)Eps;
        float oneMinusB1 = (float)(1 - Beta1), b2 = (float)Beta2, oneMinusB2 = (float)(1 - Beta2);
        float l2 = Decoupled ? 0f : (float)weightDecay, shrink = Decoupled ? (float)(1 - lr * weightDecay) : 1f;
        for (int i = 0; i < p.Length; i++)
        {
            if (shrink != 1f) p[i] *= shrink;
            float g = l2 != 0f ? grad[i] + l2 * p[i] : grad[i];
            m[i] += oneMinusB1 * (g - m[i]);
            v[i] = v[i] * b2 + oneMinusB2 * g * g;
            float second = v[i];
            if (AmsGrad) second = vMax[i] = MathF.Max(vMax[i], second);
            p[i] -= stepSize * (m[i] / (MathF.Sqrt(second) / bc2Sqrt + eps));
        }
    }
}
