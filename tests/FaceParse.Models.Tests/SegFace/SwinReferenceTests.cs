using FaceParse.Models.Backbones;

namespace FaceParse.Models.Tests.SegFace;

/// <summary>Shifted-window attention (v1 and v2) against a naive double-precision loop over windows and tokens that
/// follows torchvision's shifted_window_attention step by step (pad, cyclic shift, region mask, per-window attention,
/// reverse shift, crop), and its gradients against finite differences.</summary>
public sealed class SwinReferenceTests
{
    [Theory]
    [InlineData(false, 0)]
    [InlineData(false, 1)]
    [InlineData(true, 0)]
    [InlineData(true, 1)]
    public void MatchesNaiveWindowLoops(bool v2, int shift)
    {
        const int h = 5, w = 7, c = 8, heads = 2, ws = 3;
        var attn = new ShiftedWindowAttention(VarBuilder.Init(11), c, ws, shift, heads, v2);
        var sd = attn.StateDict();
        var rng = new Random(12);
        foreach (var (k, t) in sd) // non-trivial values everywhere (torch zero-initialises the bias table)
            if (k is "relative_position_bias_table" or "qkv.bias" or "proj.bias" or "logit_scale")
                Tensor.Uniform(rng, -0.5f, 0.5f, t.Shape.ToArray()).Span.CopyTo(t.Span);
        var x = Tensor.Uniform(new Random(13), -1f, 1f, 2, h, w, c);
        var y = attn.Forward(x).ToArray();
        var expected = Naive(attn, x, v2, shift, h, w, c, heads, ws);
        OpCheck(expected, y);
    }

    [Fact]
    public void GradientsMatchFiniteDifferences()
    {
        var attn = new ShiftedWindowAttention(VarBuilder.Init(3), 4, 2, 1, 2, v2: true);
        var x = Tensor.Uniform(new Random(4), -1f, 1f, 1, 3, 5, 4);
        x.RequiresGrad = true;
        var wts = Tensor.Uniform(new Random(5), -1f, 1f, 1, 3, 5, 4);
        attn.Forward(x).Mul(wts).Sum().Backward();
        var analytic = x.Grad!.ToArray();
        var data = x.Span;
        for (int i = 0; i < data.Length; i += 7)
        {
            float saved = data[i];
            double Loss() { using var _ = GradMode.NoGrad(); return attn.Forward(x).Mul(wts).Sum().ToScalar(); }
            data[i] = saved + 1e-2f; double plus = Loss();
            data[i] = saved - 1e-2f; double minus = Loss();
            data[i] = saved;
            double numeric = (plus - minus) / 2e-2;
            Assert.True(Math.Abs(analytic[i] - numeric) <= 2e-3 + 2e-2 * Math.Abs(numeric), $"element {i}: {analytic[i]} vs {numeric}");
        }
        Assert.NotNull(attn.LogitScale!.Grad);
        Assert.NotNull(attn.CpbFc1!.Weight.Grad);
    }

    private static void OpCheck(double[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-4 + 1e-4 * Math.Abs(expected[i]), $"[{i}] {actual[i]} vs {expected[i]}");
    }

    private static double[] Naive(ShiftedWindowAttention m, Tensor x, bool v2, int shift, int h, int w, int c, int heads, int ws)
    {
        int b = x.Dim(0), ph = (h + ws - 1) / ws * ws, pw = (w + ws - 1) / ws * ws, d = c / heads, n = ws * ws;
        int sh = ws >= ph ? 0 : shift, sw = ws >= pw ? 0 : shift;
        var xs = x.ToArray();
        double[] wq = D(m.Qkv.Weight), bq = D(m.Qkv.Bias!), wp = D(m.Proj.Weight), bp = D(m.Proj.Bias!);
        if (v2) for (int i = c; i < 2 * c; i++) bq[i] = 0;
        // bias[head, a, b] for window positions a, b (row-major in the window)
        var bias = new double[heads, n, n];
        for (int a = 0; a < n; a++)
            for (int e = 0; e < n; e++)
            {
                int dy = a / ws - e / ws, dx = a % ws - e % ws;
                for (int hd = 0; hd < heads; hd++)
                {
                    if (!v2) { bias[hd, a, e] = D(m.BiasTable!)[((dy + ws - 1) * (2 * ws - 1) + dx + ws - 1) * heads + hd]; continue; }
                    double ty = Scale(dy * 8.0 / (ws - 1)), tx = Scale(dx * 8.0 / (ws - 1));
                    double[] w1 = D(m.CpbFc1!.Weight), b1 = D(m.CpbFc1.Bias!), w2 = D(m.CpbFc2!.Weight);
                    double s = 0;
                    for (int j = 0; j < 512; j++) s += w2[hd * 512 + j] * Math.Max(0, w1[j * 2] * ty + w1[j * 2 + 1] * tx + b1[j]);
                    bias[hd, a, e] = 16 / (1 + Math.Exp(-s));
                }
            }
        int Region(int i, int size, int s) => s == 0 ? 2 : i < size - ws ? 0 : i < size - s ? 1 : 2;
        var outShifted = new double[b, ph, pw, c];
        for (int bi = 0; bi < b; bi++)
            for (int wy = 0; wy < ph / ws; wy++)
                for (int wx = 0; wx < pw / ws; wx++)
                {
                    // tokens of this window in the shifted map; shifted[y][x] = padded[(y + sh) % ph][(x + sw) % pw]
                    var tok = new double[n, c];
                    var region = new int[n];
                    for (int t = 0; t < n; t++)
                    {
                        int y = wy * ws + t / ws, xx = wx * ws + t % ws, sy = (y + sh) % ph, sx = (xx + sw) % pw;
                        region[t] = Region(y, ph, sh) * 3 + Region(xx, pw, sw);
                        for (int ch = 0; ch < c; ch++) tok[t, ch] = sy < h && sx < w ? xs[((bi * h + sy) * w + sx) * c + ch] : 0;
                    }
                    var qkv = new double[n, 3 * c];
                    for (int t = 0; t < n; t++)
                        for (int o = 0; o < 3 * c; o++)
                        {
                            double s = bq[o];
                            for (int ch = 0; ch < c; ch++) s += wq[o * c + ch] * tok[t, ch];
                            qkv[t, o] = s;
                        }
                    var o2 = new double[n, c];
                    for (int hd = 0; hd < heads; hd++)
                    {
                        double scale = v2 ? Math.Exp(Math.Min(D(m.LogitScale!)[hd], Math.Log(100))) : 1 / Math.Sqrt(d);
                        for (int a = 0; a < n; a++)
                        {
                            var logits = new double[n];
                            for (int e = 0; e < n; e++)
                            {
                                double dot = 0, qq = 0, kk = 0;
                                for (int j = 0; j < d; j++)
                                {
                                    double q = qkv[a, hd * d + j], k = qkv[e, c + hd * d + j];
                                    dot += q * k; qq += q * q; kk += k * k;
                                }
                                if (v2) dot /= Math.Max(Math.Sqrt(qq), 1e-12) * Math.Max(Math.Sqrt(kk), 1e-12);
                                logits[e] = dot * scale + bias[hd, a, e] + (sh + sw > 0 && region[a] != region[e] ? -100 : 0);
                            }
                            double mx = logits.Max(), z = logits.Sum(l => Math.Exp(l - mx));
                            for (int j = 0; j < d; j++)
                            {
                                double s = 0;
                                for (int e = 0; e < n; e++) s += Math.Exp(logits[e] - mx) / z * qkv[e, 2 * c + hd * d + j];
                                o2[a, hd * d + j] = s;
                            }
                        }
                    }
                    for (int t = 0; t < n; t++)
                        for (int o = 0; o < c; o++)
                        {
                            double s = bp[o];
                            for (int ch = 0; ch < c; ch++) s += wp[o * c + ch] * o2[t, ch];
                            outShifted[bi, wy * ws + t / ws, wx * ws + t % ws, o] = s;
                        }
                }
        var result = new double[b * h * w * c];
        for (int bi = 0; bi < b; bi++)
            for (int y = 0; y < h; y++)
                for (int xx = 0; xx < w; xx++)
                    for (int ch = 0; ch < c; ch++) // reverse shift: out[y] = shifted[(y - sh) mod ph]
                        result[((bi * h + y) * w + xx) * c + ch] = outShifted[bi, (y - sh + ph) % ph, (xx - sw + pw) % pw, ch];
        return result;
    }

    private static double Scale(double v) => Math.Sign(v) * Math.Log2(Math.Abs(v) + 1) / 3;

    private static double[] D(Tensor t) => t.ToArray().Select(v => (double)v).ToArray();
}
