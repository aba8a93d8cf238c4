using FaceParse.Tensors;

namespace FaceParse.Nn;

/// <summary>Fills a contiguous tensor in place, drawing from <paramref name="rng"/> (torch.nn.init functions).</summary>
public delegate void Initializer(Tensor tensor, Random rng);

/// <summary>Which fan kaiming initialisation preserves: forward (fan_in) or backward (fan_out) variance.</summary>
public enum FanMode
{
    FanIn,
    FanOut,
}

/// <summary>Non-linearities for <see cref="Init.Gain"/> (torch.nn.init.calculate_gain).</summary>
public enum Nonlinearity
{
    Linear,
    Conv,
    Sigmoid,
    Tanh,
    Relu,
    LeakyRelu,
    Selu,
}

/// <summary>torch.nn.init as <see cref="Initializer"/> factories. Every draw comes from the caller's seeded Random.</summary>
public static class Init
{
    /// <summary>torch's default weight init for Linear and Conv: kaiming_uniform(a=√5), i.e. U(±1/√fan_in).</summary>
    public static Initializer TorchDefault { get; } = KaimingUniform(Math.Sqrt(5));

    /// <summary>torch's default bias init for Linear and Conv: U(±1/√fan_in) with the weight's fan_in (0 when fan_in is 0).</summary>
    public static Initializer TorchBias(int fanIn) => fanIn > 0 ? Uniform(-1 / Math.Sqrt(fanIn), 1 / Math.Sqrt(fanIn)) : Zeros;

    public static Initializer Zeros { get; } = Constant(0);

    public static Initializer Ones { get; } = Constant(1);

    public static Initializer Constant(double value) => (t, _) => t.Span.Fill((float)value);

    /// <summary>U[low, high).</summary>
    public static Initializer Uniform(double low, double high) => (t, rng) =>
    {
        var s = t.Span;
        for (int i = 0; i < s.Length; i++) s[i] = (float)(low + (high - low) * rng.NextDouble());
    };

    /// <summary>N(mean, std²).</summary>
    public static Initializer Normal(double mean, double std) => (t, rng) =>
    {
        var s = t.Span;
        for (int i = 0; i < s.Length; i++) s[i] = (float)(mean + std * StandardNormal(rng));
    };

    /// <summary>N(mean, std²) restricted to [a, b] (absolute bounds, as torch.nn.init.trunc_normal_), by rejection.</summary>
    /// <exception cref="ArgumentException">The interval is empty or so far in the tail that sampling would not finish.</exception>
    public static Initializer TruncNormal(double mean = 0, double std = 1, double a = -2, double b = 2)
    {
        if (!(a < b)) throw new ArgumentException($"trunc_normal: empty interval [{a}, {b}].");
        if (std <= 0) throw new ArgumentException($"trunc_normal: std must be positive, got {std}.");
        double lo = (a - mean) / std, hi = (b - mean) / std;
        if (lo > 5 || hi < -5) throw new ArgumentException($"trunc_normal: [{a}, {b}] lies more than 5 std from the mean {mean}; rejection sampling would not finish.");
        return (t, rng) =>
        {
            var s = t.Span;
            for (int i = 0; i < s.Length; i++)
            {
                double z;
                do z = StandardNormal(rng); while (z < lo || z > hi);
                s[i] = (float)Math.Clamp(mean + std * z, a, b);
            }
        };
    }

    /// <summary>kaiming_uniform_: U(±gain·√3/√fan), gain from <paramref name="nonlinearity"/> with slope <paramref name="a"/>.</summary>
    public static Initializer KaimingUniform(double a = 0, FanMode mode = FanMode.FanIn, Nonlinearity nonlinearity = Nonlinearity.LeakyRelu) =>
        (t, rng) =>
        {
            double bound = Math.Sqrt(3) * Gain(nonlinearity, a) / Math.Sqrt(Fan(t, mode));
            Uniform(-bound, bound)(t, rng);
        };

    /// <summary>kaiming_normal_: N(0, (gain/√fan)²).</summary>
    public static Initializer KaimingNormal(double a = 0, FanMode mode = FanMode.FanIn, Nonlinearity nonlinearity = Nonlinearity.LeakyRelu) =>
        (t, rng) => Normal(0, Gain(nonlinearity, a) / Math.Sqrt(Fan(t, mode)))(t, rng);

    /// <summary>xavier_uniform_: U(±gain·√(6/(fan_in+fan_out))).</summary>
    public static Initializer XavierUniform(double gain = 1) => (t, rng) =>
    {
        double bound = Math.Sqrt(3) * XavierStd(t, gain);
        Uniform(-bound, bound)(t, rng);
    };

    /// <summary>xavier_normal_: N(0, gain²·2/(fan_in+fan_out)).</summary>
    public static Initializer XavierNormal(double gain = 1) => (t, rng) => Normal(0, XavierStd(t, gain))(t, rng);

    /// <summary>torch.nn.init._calculate_fan_in_and_fan_out: [out, in, *kernel] gives (in·k, out·k) where k = Π kernel.</summary>
    /// <exception cref="ArgumentException">Fewer than two dimensions.</exception>
    public static (int FanIn, int FanOut) Fans(IReadOnlyList<int> shape)
    {
        if (shape.Count < 2) throw new ArgumentException($"Fan in and fan out need at least 2 dimensions, got shape {Shapes.Format(shape)}.");
        int receptive = 1;
        for (int i = 2; i < shape.Count; i++) receptive *= shape[i];
        return (shape[1] * receptive, shape[0] * receptive);
    }

    /// <summary>torch.nn.init.calculate_gain (<paramref name="param"/> is the leaky-ReLU slope; null means torch's default 0.01).</summary>
    public static double Gain(Nonlinearity nonlinearity, double? param = null) => nonlinearity switch
    {
        Nonlinearity.Linear or Nonlinearity.Conv or Nonlinearity.Sigmoid => 1,
        Nonlinearity.Tanh => 5.0 / 3,
        Nonlinearity.Relu => Math.Sqrt(2),
        Nonlinearity.LeakyRelu => Math.Sqrt(2 / (1 + Square(param ?? 0.01))),
        Nonlinearity.Selu => 0.75,
        _ => throw new ArgumentOutOfRangeException(nameof(nonlinearity)),
    };

    /// <summary>One N(0, 1) draw (Box–Muller).</summary>
    public static double StandardNormal(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private static int Fan(Tensor t, FanMode mode)
    {
        var (fanIn, fanOut) = Fans(t.Shape);
        int fan = mode == FanMode.FanIn ? fanIn : fanOut;
        if (fan == 0) throw new ArgumentException($"Cannot initialise a tensor with zero fan (shape {Shapes.Format(t.Shape)}).");
        return fan;
    }

    private static double XavierStd(Tensor t, double gain)
    {
        var (fanIn, fanOut) = Fans(t.Shape);
        return gain * Math.Sqrt(2.0 / (fanIn + fanOut));
    }

    private static double Square(double x) => x * x;
}
