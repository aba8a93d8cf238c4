using FaceParse.Tensors;
using FaceParse.Tensors.Kernels;

namespace FaceParse.Tensors.Tests;

public sealed class ElementwiseTests
{
    private sealed record Case(Func<Tensor, Tensor> Op, Func<double, double> Ref, float Low, float High, float[] Kinks, float GradAtol = 2e-3f, float GradRtol = 2e-2f);

    private static double Gelu(double x) => 0.5 * x * (1 + Activations.Erf(x / Math.Sqrt(2)));
    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["exp"] = new(x => x.Exp(), Math.Exp, -2, 2, []),
        ["log"] = new(x => x.Log(), Math.Log, 0.2f, 3, []),
        ["sqrt"] = new(x => x.Sqrt(), Math.Sqrt, 0.2f, 3, []),
        ["pow1.5"] = new(x => x.Pow(1.5f), v => Math.Pow(v, 1.5), 0.2f, 3, []),
        ["pow-2"] = new(x => x.Pow(-2f), v => Math.Pow(v, -2), 0.5f, 3, [], 5e-3f),
        ["pow2"] = new(x => x.Pow(2f), v => v * v, -2, 2, []),
        ["abs"] = new(x => x.Abs(), Math.Abs, -2, 2, [0]),
        ["clamp"] = new(x => x.Clamp(-0.5f, 0.7f), v => Math.Clamp(v, -0.5, 0.7), -2, 2, [-0.5f, 0.7f]),
        ["clampMin"] = new(x => x.Clamp(min: 0.1f), v => Math.Max(v, 0.1), -2, 2, [0.1f]),
        ["sin"] = new(x => x.Sin(), Math.Sin, -3, 3, []),
        ["cos"] = new(x => x.Cos(), Math.Cos, -3, 3, []),
        ["reciprocal"] = new(x => x.Reciprocal(), v => 1 / v, 0.5f, 3, [], 5e-3f),
        ["square"] = new(x => x.Square(), v => v * v, -2, 2, []),
        ["relu"] = new(x => x.Relu(), v => Math.Max(v, 0), -2, 2, [0]),
        ["leaky_relu"] = new(x => x.LeakyRelu(0.2f), v => v > 0 ? v : 0.2 * v, -2, 2, [0]),
        ["gelu"] = new(x => x.Gelu(), Gelu, -4, 4, []),
        ["sigmoid"] = new(x => x.Sigmoid(), Sigmoid, -6, 6, []),
        ["tanh"] = new(x => x.Tanh(), Math.Tanh, -3, 3, []),
        ["silu"] = new(x => x.Silu(), v => v * Sigmoid(v), -6, 6, []),
        ["hardswish"] = new(x => x.HardSwish(), v => v * Math.Clamp(v + 3, 0, 6) / 6, -5, 5, [-3, 3]),
        ["hardsigmoid"] = new(x => x.HardSigmoid(), v => Math.Clamp(v + 3, 0, 6) / 6, -5, 5, [-3, 3]),
    };

    public static TheoryData<string> Names() => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(Names))]
    public void ForwardMatchesDoubleReferenceAndGradientMatchesFiniteDifferences(string name)
    {
        var c = Cases[name];
        var rng = new Random(name.Length * 31 + name[0]);
        // Odd sizes, a non-contiguous view, and one tensor large enough to be split into parallel chunks.
        foreach (int[] shape in new[] { new[] { 7 }, [3, 5, 2], [70_001] })
        {
            var x = Reference.AwayFrom(Tensor.Uniform(rng, c.Low, c.High, shape), c.Kinks);
            OpCheck.Close(Reference.F(Reference.D(x).Select(c.Ref).ToArray()), c.Op(x).ToArray(), 1e-6f, 2e-6f, name);
        }
        var view = Reference.AwayFrom(Tensor.Uniform(rng, c.Low, c.High, [4, 3]), c.Kinks).Transpose(0, 1);
        OpCheck.Close(Reference.F(Reference.D(view).Select(c.Ref).ToArray()), c.Op(view).ToArray(), 1e-6f, 2e-6f, name + " (view)");
        // Gradient: eps 1e-3 in float32 (atol/rtol per case, default 2e-3/2e-2).
        var g = Reference.AwayFrom(OpCheck.Input(rng, [3, 4, 5], c.Low, c.High), c.Kinks);
        OpCheck.Gradients(v => c.Op(v[0]), [g], eps: 1e-3f, atol: c.GradAtol, rtol: c.GradRtol, maxProbes: 60);
    }

    [Fact]
    public void ErfMatchesKnownValues()
    {
        (double X, double Erf)[] known = [(0.5, 0.5204998778130465), (1, 0.8427007929497149), (2, 0.9953222650189527), (3, 0.9999779095030014), (0.1, 0.1124629160182849), (2.5, 0.999593047982555), (4, 0.9999999845827421)];
        foreach (var (x, e) in known)
        {
            Assert.True(Math.Abs(Activations.Erf(x) - e) < 1e-14, $"erf({x}) = {Activations.Erf(x):R}, expected {e:R}");
            Assert.True(Math.Abs(Activations.Erf(-x) + e) < 1e-14, $"erf({-x})");
        }
    }

    [Fact]
    public void NormalCdfMatchesErfcTablesIntoTheTailsAndTheSeriesInTheMiddle()
    {
        // Φ(x) = erfc(−x/√2)/2 from Python's math.erfc; the far left tail is where 1 + erf(x/√2) would cancel.
        (double X, double Phi)[] known = [(-12, 1.776482112077702e-33), (-10, 7.619853024160593e-24), (-8, 6.220960574271819e-16),
            (-6.5, 4.016000583859125e-11), (-5, 2.866515718791946e-07), (-4, 3.1671241833119965e-05), (-3, 0.0013498980316300957),
            (-2.83, 0.0023274002067315545), (-2, 0.02275013194817922), (-1, 0.15865525393145707), (-0.5, 0.3085375387259869),
            (-0.1, 0.460172162722971), (0, 0.5), (0.1, 0.539827837277029), (0.5, 0.6914624612740131), (1, 0.8413447460685429),
            (2, 0.9772498680518208), (2.83, 0.9976725997932685), (3, 0.9986501019683699), (4, 0.9999683287581669),
            (6, 0.9999999990134123), (9, 1.0)];
        foreach (var (x, phi) in known)
            Assert.True(Math.Abs(Activations.NormalCdf(x) - phi) <= 5e-8 * phi, $"Φ({x}) = {Activations.NormalCdf(x):R}, expected {phi:R}");
        // Dense grid against the exact series (|x| ≤ 6): both branches, and the seam at x/√2 = −2 where the series branch cancels.
        for (double x = -6; x <= 6; x += 1.0 / 1024)
        {
            double exact = 0.5 * (1 + Activations.Erf(x / Math.Sqrt(2)));
            Assert.True(Math.Abs(Activations.NormalCdf(x) - exact) <= 5e-8 * exact + 1e-15, $"Φ({x}) = {Activations.NormalCdf(x):R}, series {exact:R}");
        }
        Assert.Equal(0, Activations.NormalCdf(-40));
        Assert.Equal(1, Activations.NormalCdf(40));
    }

    [Fact]
    public void GeluMatchesExactValues()
    {
        // 0.5·x·(1 + erf(x/√2)) = x·Φ(x), Φ from tables.
        var x = Tensor.FromArray([-3f, -1f, 0f, 0.5f, 1f, 2f], 6);
        double[] expected = [-3 * 0.0013498980316301, -0.15865525393145707, 0, 0.34573123063700656, 0.8413447460685429, 1.9544997361036416];
        OpCheck.Close(Reference.F(expected), x.Gelu().ToArray(), 1e-7f, 1e-6f);
    }

    [Fact]
    public void PowWithTensorExponentBroadcastsAndDifferentiatesBothSides()
    {
        var rng = new Random(5);
        var b = OpCheck.Input(rng, [2, 3], 0.5f, 2f);
        var e = OpCheck.Input(rng, [3], -1.5f, 2f);
        var r = b.Pow(e);
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
                Assert.Equal(Math.Pow(b[i, j], e[j]), r[i, j], 5);
        Assert.Equal(-8f, Tensor.FromArray([-2f], 1).Pow(Tensor.FromArray([3f], 1)).ToScalar());
        OpCheck.Gradients(v => v[0].Pow(v[1]), [b, e], eps: 1e-3f);
    }

    [Fact]
    public void DropoutZeroesAboutPAndScalesTheRestLikeTorch()
    {
        var x = Tensor.Ones(100_000);
        x.RequiresGrad = true;
        var y = x.Dropout(0.3f, training: true, new Random(1));
        var v = y.ToArray();
        double zeros = v.Count(a => a == 0f) / (double)v.Length;
        Assert.InRange(zeros, 0.29, 0.31);
        Assert.All(v, a => Assert.True(a == 0f || Math.Abs(a - 1 / 0.7f) < 1e-6f));
        y.Sum().Backward();
        Assert.Equal(v, x.Grad!.ToArray());
        Assert.Same(x, x.Dropout(0.3f, training: false, new Random(1)));
        Assert.All(x.Dropout(1f, true, new Random(1)).ToArray(), a => Assert.Equal(0f, a));
        Assert.Throws<ArgumentException>(() => x.Dropout(1.5f, true, new Random(1)));
        Assert.Throws<ArgumentException>(() => x.Clamp(1f, 0f));
    }
}
