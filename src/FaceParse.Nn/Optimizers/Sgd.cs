using FaceParse.Tensors;

namespace FaceParse.Nn.Optimizers;

/// <summary>torch.optim.SGD: L2 weight decay added to the gradient, heavy-ball or Nesterov momentum with dampening.</summary>
/// <remarks>g ← g + wd·p; b ← g on the first step, else b ← μ·b + (1−τ)·g; g ← g + μ·b (Nesterov) or b; p ← p − lr·g.</remarks>
public sealed class Sgd : Optimizer
{
    public const string MomentumBuffer = "momentum_buffer";

    public Sgd(IEnumerable<ParamGroup> groups, double lr, double momentum = 0, double dampening = 0, bool nesterov = false, double weightDecay = 0)
        : base(groups, lr, weightDecay)
    {
        if (momentum < 0) throw new ArgumentOutOfRangeException(nameof(momentum), $"Invalid momentum {momentum}.");
        if (nesterov && (momentum <= 0 || dampening != 0)) throw new ArgumentException("Nesterov momentum requires a momentum and zero dampening.");
        Momentum = momentum;
        Dampening = dampening;
        Nesterov = nesterov;
        if (momentum != 0) DeclareState(MomentumBuffer);
    }

    public double Momentum { get; }
    public double Dampening { get; }
    public bool Nesterov { get; }

    protected override void Update(Tensor param, ReadOnlySpan<float> grad, ParamState state, double lr, double weightDecay)
    {
        var p = param.Span;
        float wd = (float)weightDecay, mu = (float)Momentum, keep = (float)(1 - Dampening), step = (float)lr;
        var buf = Momentum != 0 ? state[MomentumBuffer] : default;
        bool first = state.Step == 1; // torch: the buffer starts as a copy of the first gradient
        for (int i = 0; i < p.Length; i++)
        {
            float g = grad[i];
            if (wd != 0) g += wd * p[i];
            if (Momentum != 0)
            {
                buf[i] = first ? g : mu * buf[i] + keep * g;
                g = Nesterov ? g + mu * buf[i] : buf[i];
            }
            p[i] -= step * g;
        }
    }
}
