using FaceParse.Tensors;

namespace FaceParse.Tensors.Tests;

/// <summary>The one helper every op test uses: forward against a reference, and backward against central finite differences.</summary>
public static class OpCheck
{
    /// <summary>Random tensor in [-1, 1) (or [low, high)) with RequiresGrad set, from a seeded generator.</summary>
    public static Tensor Input(Random rng, int[] shape, float low = -1f, float high = 1f)
    {
        var t = Tensor.Uniform(rng, low, high, shape);
        t.RequiresGrad = true;
        return t;
    }

    /// <summary>Asserts |actual − expected| ≤ atol + rtol·|expected| elementwise, naming the first bad index.</summary>
    public static void Close(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float atol = 1e-5f, float rtol = 1e-4f, string what = "value")
    {
        Assert.True(expected.Length == actual.Length, $"{what}: length {actual.Length}, expected {expected.Length}.");
        for (int i = 0; i < expected.Length; i++)
        {
            float e = expected[i], a = actual[i];
            if (float.IsNaN(e) && float.IsNaN(a)) continue;
            Assert.True(Math.Abs(a - e) <= atol + rtol * Math.Abs(e), $"{what}[{i}] = {a}, expected {e} (atol {atol}, rtol {rtol}).");
        }
    }

    /// <summary>Checks the analytical gradient of every input that requires grad against central finite differences
    /// of L = Σ f(x)·w for a fixed random w. Float32 throughout, so tolerances are per op; at most
    /// <paramref name="maxProbes"/> coordinates per input are probed.</summary>
    public static void Gradients(Func<Tensor[], Tensor> f, Tensor[] inputs, float eps = 1e-2f, float atol = 2e-3f, float rtol = 2e-2f, int maxProbes = 48, int seed = 7)
    {
        var rng = new Random(seed);
        Tensor output = f(inputs);
        var weights = Tensor.Uniform(rng, -1f, 1f, [.. output.Shape]);
        foreach (var x in inputs) x.Grad = null;
        output.Mul(weights).Sum().Backward();
        var w = weights.ToArray();

        double Loss()
        {
            using var _ = GradMode.NoGrad();
            var y = f(inputs).ToArray();
            double s = 0;
            for (int i = 0; i < y.Length; i++) s += (double)y[i] * w[i];
            return s;
        }

        for (int k = 0; k < inputs.Length; k++)
        {
            var x = inputs[k];
            if (!x.RequiresGrad) continue;
            Assert.True(x.Grad is not null, $"input {k} requires grad but received none.");
            var analytic = x.Grad!.ToArray();
            var data = x.Span;
            int probes = Math.Min(maxProbes, data.Length);
            for (int p = 0; p < probes; p++)
            {
                int i = probes == data.Length ? p : rng.Next(data.Length);
                float saved = data[i];
                data[i] = saved + eps;
                double plus = Loss();
                data[i] = saved - eps;
                double minus = Loss();
                data[i] = saved;
                double numeric = (plus - minus) / (2 * eps);
                Assert.True(Math.Abs(analytic[i] - numeric) <= atol + rtol * Math.Abs(numeric),
                    $"input {k} {Shapes.Format(x.Shape)} element {i}: analytic {analytic[i]}, numeric {numeric} (eps {eps}, atol {atol}, rtol {rtol}).");
            }
        }
    }
}
