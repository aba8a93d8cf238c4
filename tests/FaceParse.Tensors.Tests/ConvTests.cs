using FaceParse.Tensors;
using FaceParse.Tensors.Kernels;

namespace FaceParse.Tensors.Tests;

[Collection("kernels-global")] // one test sets the process-wide thread count
public sealed class ConvTests
{
    // (N, Cin, H, W, Cout, kh, kw, stride, pad, dilation, groups)
    public static readonly TheoryData<int, int, int, int, int, int, int, int, int, int, int> Cases = new()
    {
        { 1, 3, 7, 6, 4, 3, 3, 1, 1, 1, 1 },
        { 2, 4, 9, 7, 6, 3, 2, 2, 1, 1, 2 },   // groups, odd sizes, non-square kernel
        { 2, 4, 8, 8, 4, 3, 3, 1, 2, 2, 4 },   // depthwise, dilation
        { 1, 2, 5, 7, 3, 1, 1, 3, 0, 1, 1 },   // 1x1, stride 3
        { 2, 6, 6, 5, 3, 2, 3, 2, 0, 1, 3 },
        { 1, 8, 11, 9, 8, 7, 7, 1, 3, 1, 8 },  // 7x7 depthwise (ConvNeXt)
        { 2, 5, 9, 10, 5, 5, 5, 2, 2, 1, 5 },  // 5x5 stride-2 depthwise (MobileNetV3, EfficientNet)
    };

    // Naive double-precision torch.nn.functional.conv2d.
    internal static float[] Reference(Tensor x, Tensor w, Tensor? b, int s, int p, int d, int groups)
    {
        int n = x.Dim(0), cin = x.Dim(1), h = x.Dim(2), wd = x.Dim(3), cout = w.Dim(0), kh = w.Dim(2), kw = w.Dim(3);
        int ho = (h + 2 * p - d * (kh - 1) - 1) / s + 1, wo = (wd + 2 * p - d * (kw - 1) - 1) / s + 1, cinG = cin / groups, coutG = cout / groups;
        var y = new float[n * cout * ho * wo];
        int o = 0;
        for (int b0 = 0; b0 < n; b0++)
        for (int co = 0; co < cout; co++)
        for (int oy = 0; oy < ho; oy++)
        for (int ox = 0; ox < wo; ox++)
        {
            double acc = b is null ? 0 : b[co];
            for (int ci = 0; ci < cinG; ci++)
            for (int ky = 0; ky < kh; ky++)
            for (int kx = 0; kx < kw; kx++)
            {
                int iy = oy * s - p + ky * d, ix = ox * s - p + kx * d;
                if (iy >= 0 && iy < h && ix >= 0 && ix < wd) acc += (double)x[b0, co / coutG * cinG + ci, iy, ix] * w[co, ci, ky, kx];
            }
            y[o++] = (float)acc;
        }
        return y;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesNaiveReferenceAndFiniteDifferences(int n, int cin, int h, int w, int cout, int kh, int kw, int s, int p, int d, int groups)
    {
        var rng = new Random(h * 31 + w);
        var x = OpCheck.Input(rng, [n, cin, h, w]);
        var wt = OpCheck.Input(rng, [cout, cin / groups, kh, kw]);
        var b = OpCheck.Input(rng, [cout]);
        var y = x.Conv2d(wt, b, s, p, d, groups);
        OpCheck.Close(Reference(x, wt, b, s, p, d, groups), y.ToArray(), 1e-5f, 1e-4f, "conv2d");
        // Linear in every input: float32 rounding is the only error, default tolerances (atol 2e-3, rtol 2e-2).
        OpCheck.Gradients(v => v[0].Conv2d(v[1], v[2], s, p, d, groups), [x, wt, b], maxProbes: 16);
    }

    [Fact]
    public void NonContiguousInputAndNoBiasWork()
    {
        var rng = new Random(5);
        var x = OpCheck.Input(rng, [1, 5, 6, 2]);
        var wt = OpCheck.Input(rng, [3, 2, 3, 3]);
        var xt = x.Permute(0, 3, 1, 2); // [1, 2, 5, 6], non-contiguous
        OpCheck.Close(Reference(xt.Contiguous(), wt, null, 1, 1, 1, 1), xt.Conv2d(wt, padding: 1).ToArray(), what: "conv2d view");
        OpCheck.Gradients(v => v[0].Permute(0, 3, 1, 2).Conv2d(v[1], padding: (1, 0), stride: (2, 1)), [x, wt], maxProbes: 16);
    }

    [Theory]
    [InlineData(Epilogue.Relu)]
    [InlineData(Epilogue.Gelu)]
    [InlineData(Epilogue.Silu)]
    [InlineData(Epilogue.HardSwish)]
    public void FusedEpilogueMatchesUnfusedAndDifferentiates(Epilogue epilogue)
    {
        var rng = new Random(11);
        var x = OpCheck.Input(rng, [2, 2, 5, 4]);
        var wt = OpCheck.Input(rng, [3, 2, 3, 3]);
        var b = OpCheck.Input(rng, [3]);
        var r = OpCheck.Input(rng, [2, 3, 5, 4], -3f, 3f);
        var pre = Reference(x, wt, b, 1, 1, 1, 1);
        var residual = r.ToArray();
        var expected = pre.Select((v, i) => Activations.Apply(epilogue, v + residual[i])).ToArray();
        using (GradMode.NoGrad()) OpCheck.Close(expected, x.Conv2d(wt, b, r, epilogue, padding: 1).ToArray(), 1e-5f, 1e-4f, $"fused {epilogue}");
        var tracked = x.Conv2d(wt, b, r, epilogue, padding: 1);
        Assert.True(tracked.RequiresGrad);
        OpCheck.Close(expected, tracked.ToArray(), 1e-5f, 1e-4f, $"unfused {epilogue}");
        // Smooth except ReLU/HardSwish kinks: eps 1e-3 keeps probes from straddling them; atol 5e-3 for float32 differences.
        OpCheck.Gradients(v => v[0].Conv2d(v[1], v[2], v[3], epilogue, padding: 1), [x, wt, b, r], eps: 1e-3f, atol: 5e-3f, maxProbes: 12);
    }

    /// <summary>The backward passes' parallel paths (the fused ReLU's mask in chunks, bias sums per channel, the weight
    /// gradient split over pixel chunks and threads) on maps big enough to take them, at 1 and 2 threads, against
    /// double-precision sums built from the forward output's own ReLU mask.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void FusedReluBackwardOnLargeMapsMatchesDoubleSums(int threads)
    {
        int saved = FaceParse.Tensors.Runtime.Parallelism.Threads;
        FaceParse.Tensors.Runtime.Parallelism.Threads = threads;
        try
        {
            var rng = new Random(5);
            const int N = 2, Cin = 4, H = 64, W = 64, Cout = 8;
            var x = OpCheck.Input(rng, [N, Cin, H, W]);
            var wt = OpCheck.Input(rng, [Cout, Cin, 3, 3]);
            var b = OpCheck.Input(rng, [Cout]);
            var g = OpCheck.Input(rng, [N, Cout, H, W]).Detach();
            var y = x.Conv2d(wt, b, null, Epilogue.Relu, padding: 1);
            y.Mul(g).Sum().Backward();
            float[] yv = y.ToArray(), gv = g.ToArray(), xv = x.ToArray();
            var db = new double[Cout];
            var dw = new double[Cout * Cin * 9];
            for (int n = 0; n < N; n++)
                for (int co = 0; co < Cout; co++)
                    for (int oy = 0; oy < H; oy++)
                        for (int ox = 0; ox < W; ox++)
                        {
                            int o = ((n * Cout + co) * H + oy) * W + ox;
                            if (!(yv[o] > 0)) continue;
                            db[co] += gv[o];
                            for (int ci = 0; ci < Cin; ci++)
                                for (int ky = 0; ky < 3; ky++)
                                    for (int kx = 0; kx < 3; kx++)
                                    {
                                        int iy = oy - 1 + ky, ix = ox - 1 + kx;
                                        if ((uint)iy < H && (uint)ix < W) dw[((co * Cin + ci) * 3 + ky) * 3 + kx] += (double)gv[o] * xv[((n * Cin + ci) * H + iy) * W + ix];
                                    }
                        }
            OpCheck.Close(db.Select(v => (float)v).ToArray(), b.Grad!.ToArray(), 1e-3f, 1e-4f, $"bias grad t={threads}");
            OpCheck.Close(dw.Select(v => (float)v).ToArray(), wt.Grad!.ToArray(), 1e-3f, 1e-4f, $"weight grad t={threads}");
        }
        finally
        {
            FaceParse.Tensors.Runtime.Parallelism.Threads = saved;
        }
    }

    [Fact]
    public void BadArgumentsThrowArgumentExceptionNamingShapes()
    {
        var x = Tensor.Zeros(1, 4, 5, 5);
        var e = Assert.Throws<ArgumentException>(() => x.Conv2d(Tensor.Zeros(2, 3, 3, 3)));
        Assert.Contains("[1, 4, 5, 5]", e.Message);
        Assert.Contains("[2, 3, 3, 3]", e.Message);
        Assert.Throws<ArgumentException>(() => x.Conv2d(Tensor.Zeros(3, 2, 3, 3), groups: 2)); // 3 % 2 != 0
        Assert.Throws<ArgumentException>(() => x.Conv2d(Tensor.Zeros(2, 4, 3, 3), Tensor.Zeros(3)));
        Assert.Throws<ArgumentException>(() => x.Conv2d(Tensor.Zeros(2, 4, 7, 7)));
        Assert.Throws<ArgumentException>(() => Tensor.Zeros(4, 5, 5).Conv2d(Tensor.Zeros(2, 4, 3, 3)));
        Assert.Throws<ArgumentException>(() => x.Conv2d(Tensor.Zeros(2, 4, 3, 3), null, Tensor.Zeros(1, 2, 4, 4), Epilogue.None));
    }
}
