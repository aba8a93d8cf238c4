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
        int cinG = g.InChannelsPerGroup, coutG = g.OutChannelsPerGroup, ho = g.OutHeight, wo = g.OutWidth;
        for (int n = 0; n < g.Batch; n++)
        for (int co = 0; co < g.OutChannels; co++)
        {
            int grp = co / coutG;
            for (int oy = 0; oy < ho; oy++)
            for (int ox = 0; ox < wo; ox++)
            {
                double sum = bias.IsEmpty ? 0 : bias[co];
                for (int ci = 0; ci < cinG; ci++)
                {
                    int cIn = grp * cinG + ci;
                    for (int ky = 0; ky < g.KernelHeight; ky++)
                    {
                        int iy = oy * g.StrideHeight - g.PadHeight + ky * g.DilationHeight;
                        if ((uint)iy >= (uint)g.InHeight) continue;
                        for (int kx = 0; kx < g.KernelWidth; kx++)
                        {
                            int ix = ox * g.StrideWidth - g.PadWidth + kx * g.DilationWidth;
                            if ((uint)ix >= (uint)g.InWidth) continue;
                            sum += (double)x[((n * g.InChannels + cIn) * g.InHeight + iy) * g.InWidth + ix]
                                 * w[((co * cinG + ci) * g.KernelHeight + ky) * g.KernelWidth + kx];
                        }
                    }
                }
                int o = ((n * g.OutChannels + co) * ho + oy) * wo + ox;
                if (!residual.IsEmpty) sum += residual[o];
                y[o] = Activations.Apply(epilogue, (float)sum);
            }
        }
    }
}
