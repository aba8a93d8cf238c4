using FaceParse.Tensors;

namespace FaceParse.Nn;

/// <summary>A parameterless module applying one elementwise function (the activation modules of torch.nn).</summary>
// x [*] → [*]
public abstract class Elementwise(Func<Tensor, Tensor> function) : Module, IModule
{
    public Tensor Forward(Tensor x) => function(x);
}

/// <summary>torch.nn.ReLU.</summary>
public sealed class Relu() : Elementwise(x => x.Relu());

/// <summary>torch.nn.GELU with the exact erf form (approximate='none').</summary>
public sealed class Gelu() : Elementwise(x => x.Gelu());

/// <summary>torch.nn.SiLU (x·σ(x)).</summary>
public sealed class Silu() : Elementwise(x => x.Silu());

/// <summary>torch.nn.Hardswish.</summary>
public sealed class HardSwish() : Elementwise(x => x.HardSwish());

/// <summary>torch.nn.Hardsigmoid.</summary>
public sealed class HardSigmoid() : Elementwise(x => x.HardSigmoid());

/// <summary>torch.nn.Sigmoid.</summary>
public sealed class Sigmoid() : Elementwise(x => x.Sigmoid());

/// <summary>torch.nn.Tanh.</summary>
public sealed class Tanh() : Elementwise(x => x.Tanh());

/// <summary>torch.nn.Identity: returns its input.</summary>
public sealed class Identity() : Elementwise(x => x);

/// <summary>torch.nn.Dropout (inverted): while <see cref="Module.Training"/>, zeroes each element with probability
/// <see cref="P"/> and scales the rest by 1/(1 − p); the identity in eval mode.</summary>
/// <remarks>Masks are drawn from <paramref name="rng"/>; without one, from <see cref="Random.Shared"/> (not reproducible).</remarks>
// x [*] → [*]
public sealed class Dropout : Module, IModule
{
    private readonly Random _rng;

    public Dropout(float p = 0.5f, Random? rng = null)
    {
        if (!(p >= 0f && p <= 1f)) throw new ArgumentOutOfRangeException(nameof(p), $"Dropout: probability must be in [0, 1], got {p}.");
        P = p;
        _rng = rng ?? Random.Shared;
    }

    public float P { get; }

    public Tensor Forward(Tensor x) => x.Dropout(P, Training, _rng);
}
