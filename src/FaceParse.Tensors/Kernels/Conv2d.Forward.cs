using FaceParse.Tensors.Runtime;

namespace FaceParse.Tensors.Kernels;

public static partial class Conv2d
{
    // x[N,Cin,H,W], w[Cout,Cin/g,Kh,Kw], bias[Cout]|[], residual[N,Cout,Ho,Wo]|[] -> y[N,Cout,Ho,Wo] = act(conv + bias + residual)
    public static unsafe void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, ReadOnlySpan<float> residual, Conv2dGeometry g, Epilogue epilogue, Span<float> y)
    {
        CheckForward(x.Length, w.Length, bias.Length, residual.Length, y.Length, g);
        fixed (float* px = x, pw = w, pb = bias, pr = residual, py = y)
            ForwardCore(px, pw, bias.IsEmpty ? null : pb, residual.IsEmpty ? null : pr, g, epilogue, py);
    }

    /// <summary>Picks the kernel for the geometry: depthwise, 1×1 as GEMM, direct register-tiled, or im2col + GEMM.</summary>
    internal static unsafe void ForwardCore(float* x, float* w, float* bias, float* residual, in Conv2dGeometry g, Epilogue epilogue, float* y)
    {
        if (g.Groups == g.InChannels && g.OutChannels == g.InChannels && g.Groups > 1)
            Depthwise(x, w, bias, residual, g, epilogue, y);
        else if (g.KernelHeight == 1 && g.KernelWidth == 1 && g.StrideHeight == 1 && g.StrideWidth == 1 && g.PadHeight == 0 && g.PadWidth == 0)
            GemmPerGroup(x, g.InHeight * g.InWidth, w, bias, residual, g, epilogue, y, im2col: false);
        else if (UseDirect(g))
            Direct(x, w, bias, residual, g, epilogue, y);
        else
            GemmPerGroup(x, g.OutHeight * g.OutWidth, w, bias, residual, g, epilogue, y, im2col: true);
    }

    // The direct kernel tiles output rows by two vectors; narrow outputs waste lanes, so they go through im2col + GEMM.
    private static bool UseDirect(in Conv2dGeometry g)
    {
        int nr = CpuFeatures.Active switch { SimdLevel.Avx512 => 32, SimdLevel.Avx2Fma => 16, SimdLevel.Vector128 => 8, _ => 2 };
        return g.OutWidth * 4 >= nr * 3 || g.OutWidth % nr == 0;
    }

    // Per image and group: Y_g[Cout/g, P] = W_g[Cout/g, K] · B_g[K, P] with the epilogue fused, where B is the input itself
    // (1×1, P = H·W) or its im2col columns (P = Ho·Wo).
    private static unsafe void GemmPerGroup(float* x, int p, float* w, float* bias, float* residual, in Conv2dGeometry g, Epilogue epilogue, float* y, bool im2col)
    {
        int cinG = g.InChannelsPerGroup, coutG = g.OutChannelsPerGroup, k = cinG * g.KernelHeight * g.KernelWidth;
        for (int n = 0; n < g.Batch; n++)
        {
            float* columns = im2col ? (float*)Im2Col(x, g, n) : null;
            for (int grp = 0; grp < g.Groups; grp++)
            {
                long yOff = ((long)n * g.OutChannels + grp * coutG) * p;
                Gemm.MultiplyCore(new GemmArgs
                {
                    A = w + (long)grp * coutG * k, Lda = k,
                    B = columns != null ? columns + (long)grp * k * p : x + ((long)n * g.InChannels + grp * cinG) * p, Ldb = p,
                    C = y + yOff, Ldc = p, M = coutG, N = p, K = k,
                    RowBias = bias == null ? null : bias + grp * coutG,
                    Residual = residual == null ? null : residual + yOff, Ldr = p, Act = epilogue,
                });
            }
        }
    }

    internal static void CheckForward(int xLength, int wLength, int biasLength, int residualLength, int yLength, in Conv2dGeometry g)
    {
        g.Validate();
        string shapes = $"x[{g.Batch},{g.InChannels},{g.InHeight},{g.InWidth}], w[{g.OutChannels},{g.InChannelsPerGroup},{g.KernelHeight},{g.KernelWidth}], y[{g.Batch},{g.OutChannels},{g.OutHeight},{g.OutWidth}]";
        if (xLength < g.InputSize) throw new ArgumentException($"conv2d: x has {xLength} elements, needs {g.InputSize} for {shapes}.");
        if (wLength < g.WeightSize) throw new ArgumentException($"conv2d: w has {wLength} elements, needs {g.WeightSize} for {shapes}.");
        if (yLength < g.OutputSize) throw new ArgumentException($"conv2d: y has {yLength} elements, needs {g.OutputSize} for {shapes}.");
        if (biasLength != 0 && biasLength < g.OutChannels) throw new ArgumentException($"conv2d: bias has {biasLength} elements, needs {g.OutChannels} (or none) for {shapes}.");
        if (residualLength != 0 && residualLength < g.OutputSize) throw new ArgumentException($"conv2d: residual has {residualLength} elements, needs {g.OutputSize} (or none) for {shapes}.");
    }
}
