using FaceParse.Tensors;

namespace FaceParse.Tensors.Tests;

/// <summary>Naive double-precision helpers the op tests compare against.</summary>
public static class Reference
{
    public static double[] D(Tensor t) => t.ToArray().Select(v => (double)v).ToArray();

    public static float[] F(double[] v) => v.Select(x => (float)x).ToArray();

    /// <summary>Row-major multi-index of flat position <paramref name="i"/>.</summary>
    public static int[] Unravel(int i, IReadOnlyList<int> shape)
    {
        var idx = new int[shape.Count];
        for (int d = shape.Count - 1; d >= 0; d--) { idx[d] = i % shape[d]; i /= shape[d]; }
        return idx;
    }

    public static int Ravel(int[] idx, IReadOnlyList<int> shape)
    {
        int o = 0;
        for (int d = 0; d < idx.Length; d++) o = o * shape[d] + idx[d];
        return o;
    }

    /// <summary>Input with no element within <paramref name="margin"/> of a kink, so finite differences stay on one side.</summary>
    public static Tensor AwayFrom(Tensor t, float[] kinks, float margin = 0.05f)
    {
        var s = t.Span;
        for (int i = 0; i < s.Length; i++)
            foreach (float k in kinks)
                if (Math.Abs(s[i] - k) < margin) s[i] = k + (s[i] >= k ? 2 * margin : -2 * margin);
        return t;
    }

    /// <summary>Softmax of a double vector (max-shifted).</summary>
    public static double[] Softmax(double[] x)
    {
        double m = x.Max();
        var e = x.Select(v => Math.Exp(v - m)).ToArray();
        double s = e.Sum();
        return e.Select(v => v / s).ToArray();
    }

    /// <summary>Values along <paramref name="axis"/> at every other index fixed: (flat positions) for each lane.</summary>
    public static IEnumerable<int[]> Lanes(IReadOnlyList<int> shape, int axis)
    {
        int count = shape.Aggregate(1, (a, b) => a * b);
        for (int i = 0; i < count; i++)
        {
            var idx = Unravel(i, shape);
            if (idx[axis] != 0) continue;
            yield return Enumerable.Range(0, shape[axis]).Select(j => { var k = (int[])idx.Clone(); k[axis] = j; return Ravel(k, shape); }).ToArray();
        }
    }
}
