namespace FaceParse.Tensors.Kernels;

/// <summary>2-D convolution kernels (torch.nn.functional.conv2d semantics), forward and the two backward passes.</summary>
/// <remarks>
/// Fast paths live in other parts of this class and dispatch on the geometry (3×3, depthwise, 1×1, general);
/// the *Reference methods are the plain loops the tests hold them equal to.
/// </remarks>
public static partial class Conv2d
{
    // x[N,Cin,H,W], w[Cout,Cin/g,Kh,Kw], bias[Cout] (empty = none), residual[N,Cout,Ho,Wo] (empty = none) -> y[N,Cout,Ho,Wo]
    public static void ForwardReference(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, ReadOnlySpan<float> residual, Conv2dGeometry g, Epilogue epilogue, Span<float> y)
    {
        g.Validate();
        var sum = new double[g.OutputSize];
        foreach (var (yi, xi, wi) in Taps(g)) sum[yi] += (double)x[xi] * w[wi];
        int plane = g.OutHeight * g.OutWidth;
        for (int o = 0; o < sum.Length; o++)
        {
            double v = sum[o] + (bias.IsEmpty ? 0 : bias[o / plane % g.OutChannels]) + (residual.IsEmpty ? 0 : residual[o]);
            y[o] = Activations.Apply(epilogue, (float)v);
        }
    }

    // dy[N,Cout,Ho,Wo], w[Cout,Cin/g,Kh,Kw] -> dx[N,Cin,H,W] (overwritten)
    public static void BackwardInputReference(ReadOnlySpan<float> dy, ReadOnlySpan<float> w, Conv2dGeometry g, Span<float> dx)
    {
        CheckBackward(g.InputSize, dx.Length, "dx", dy.Length, g);
        CheckWeights(w.Length, g);
        var sum = new double[g.InputSize];
        foreach (var (yi, xi, wi) in Taps(g)) sum[xi] += (double)dy[yi] * w[wi];
        for (long i = 0; i < sum.Length; i++) dx[(int)i] = (float)sum[i];
    }

    // x[N,Cin,H,W], dy[N,Cout,Ho,Wo] -> dw[Cout,Cin/g,Kh,Kw] (overwritten)
    public static void BackwardWeightReference(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Conv2dGeometry g, Span<float> dw)
    {
        CheckBackward(g.InputSize, x.Length, "x", dy.Length, g);
        CheckWeights(dw.Length, g);
        var sum = new double[g.WeightSize];
        foreach (var (yi, xi, wi) in Taps(g)) sum[wi] += (double)dy[yi] * x[xi];
        for (long i = 0; i < sum.Length; i++) dw[(int)i] = (float)sum[i];
    }

    // (output index, input index, weight index) of every multiply of the direct definition.
    private static IEnumerable<(int Y, int X, int W)> Taps(Conv2dGeometry g)
    {
        int cinG = g.InChannelsPerGroup, coutG = g.OutChannelsPerGroup, ho = g.OutHeight, wo = g.OutWidth;
        for (int n = 0; n < g.Batch; n++)
            for (int co = 0; co < g.OutChannels; co++)
                for (int oy = 0; oy < ho; oy++)
                    for (int ox = 0; ox < wo; ox++)
                        for (int ci = 0; ci < cinG; ci++)
                            for (int ky = 0; ky < g.KernelHeight; ky++)
                            {
                                int iy = oy * g.StrideHeight - g.PadHeight + ky * g.DilationHeight;
                                if ((uint)iy >= (uint)g.InHeight) continue;
                                for (int kx = 0; kx < g.KernelWidth; kx++)
                                {
                                    int ix = ox * g.StrideWidth - g.PadWidth + kx * g.DilationWidth;
                                    if ((uint)ix >= (uint)g.InWidth) continue;
                                    int cIn = co / coutG * cinG + ci;
                                    yield return (((n * g.OutChannels + co) * ho + oy) * wo + ox,
                                        ((n * g.InChannels + cIn) * g.InHeight + iy) * g.InWidth + ix,
                                        ((co * cinG + ci) * g.KernelHeight + ky) * g.KernelWidth + kx);
                                }
                            }
    }

    private static void CheckBackward(long imageSize, int imageLength, string imageName, int dyLength, in Conv2dGeometry g)
    {
        g.Validate();
        string shapes = $"x[{g.Batch},{g.InChannels},{g.InHeight},{g.InWidth}], dy[{g.Batch},{g.OutChannels},{g.OutHeight},{g.OutWidth}]";
        if (imageLength < imageSize) throw new ArgumentException($"conv2d backward: {imageName} has {imageLength} elements, needs {imageSize} for {shapes}.");
        if (dyLength < g.OutputSize) throw new ArgumentException($"conv2d backward: dy has {dyLength} elements, needs {g.OutputSize} for {shapes}.");
    }

    private static void CheckWeights(int length, in Conv2dGeometry g)
    {
        if (length < g.WeightSize)
            throw new ArgumentException($"conv2d backward: weights have {length} elements, need {g.WeightSize} for w[{g.OutChannels},{g.InChannelsPerGroup},{g.KernelHeight},{g.KernelWidth}].");
    }
}
