using System.Runtime.CompilerServices;
using FaceParse.Tensors.Runtime;

namespace FaceParse.Tensors.Kernels;

public static partial class Conv2d
{
    // x[N,C,H,W], w[C,1,Kh,Kw] -> y[N,C,Ho,Wo]: depthwise (groups = Cin = Cout), any kernel/stride/dilation
    private static unsafe void Depthwise(float* x, float* w, float* bias, float* residual, in Conv2dGeometry g, Epilogue epilogue, float* y)
    {
        SimdDispatch.Run(new ConvCall(x, w, bias, residual, g, epilogue, y, depthwise: true));
    }

    private static unsafe void Depthwise<TOps, TVec>(float* x, float* w, float* bias, float* residual, Conv2dGeometry g, Epilogue epilogue, float* y)
        where TOps : IVecOps<TVec> where TVec : struct
    {
        var layout = new PaddedLayout(g, interleaved: false);
        int taps = g.KernelHeight * g.KernelWidth;
        int* offsets = Workspace.GetInts(Workspace.Slot.Offsets, taps);
        for (int ky = 0; ky < g.KernelHeight; ky++)
            for (int kx = 0; kx < g.KernelWidth; kx++)
                offsets[ky * g.KernelWidth + kx] = checked((int)layout.TapOffset(0, ky, kx));
        int planes = g.Batch * g.InChannels;
        int chunks = g.Macs < (1 << 16) ? 1 : Math.Min(Parallelism.Threads, planes);
        nint px = (nint)x, pw = (nint)w, pb = (nint)bias, pr = (nint)residual, py = (nint)y, po = (nint)offsets;
        Parallelism.For(chunks, t =>
        {
            long plane = (long)g.OutHeight * g.OutWidth, inPlane = (long)g.InHeight * g.InWidth;
            // Each plane is padded into this thread's buffer just before use, so it stays in L1/L2.
            float* padded = Workspace.Get(Workspace.Slot.Input, layout.ChannelStride + layout.Tail);
            new Span<float>(padded + layout.ChannelStride, (int)layout.Tail).Clear();
            for (int p = planes * t / chunks; p < planes * (t + 1) / chunks; p++)
            {
                int c = p % g.InChannels;
                var o = new TileOut
                {
                    C = (float*)py + p * plane, Ldc = g.OutWidth,
                    Bias = pb == 0 ? null : (float*)pb + c,
                    Residual = pr == 0 ? null : (float*)pr + p * plane, Ldr = g.OutWidth,
                    Act = epilogue, Final = true,
                };
                layout.FillPlane((float*)px + p * inPlane, padded);
                DepthwisePlane<TOps, TVec>(padded, (float*)pw + (long)c * taps, (int*)po, taps, layout, g, o);
            }
        });
    }

    // One padded plane, taps weights, tap offsets -> one output plane [Ho, Wo] with epilogue (bias is one value)
    private static unsafe void DepthwisePlane<TOps, TVec>(float* src, float* wc, int* offsets, int taps, in PaddedLayout layout, in Conv2dGeometry g, in TileOut o)
        where TOps : IVecOps<TVec> where TVec : struct
    {
        int vw = TOps.Width, wo = g.OutWidth;
        float bias = o.Bias == null ? 0 : *o.Bias;
        bool relu = o.Act == Epilogue.Relu;
        float* tmp = stackalloc float[16];
        for (int oy = 0; oy < g.OutHeight; oy++)
        {
            float* row = src + layout.RowOffset(oy), dst = o.C + (long)oy * o.Ldc;
            float* res = o.Residual == null ? null : o.Residual + (long)oy * o.Ldr;
            int ox = 0;
            for (; ox + 2 * vw <= wo; ox += 2 * vw)
            {
                TVec a0 = TOps.Zero, a1 = TOps.Zero;
                for (int t = 0; t < taps; t++)
                {
                    TVec wt = TOps.Broadcast(wc[t]);
                    float* s = row + ox + offsets[t];
                    a0 = TOps.Fma(wt, TOps.Load(s), a0);
                    a1 = TOps.Fma(wt, TOps.Load(s + vw), a1);
                }
                StoreDepthwise<TOps, TVec>(a0, bias, res == null ? null : res + ox, relu, dst + ox);
                StoreDepthwise<TOps, TVec>(a1, bias, res == null ? null : res + ox + vw, relu, dst + ox + vw);
            }
            for (; ox < wo; ox += vw)
            {
                TVec a0 = TOps.Zero;
                for (int t = 0; t < taps; t++) a0 = TOps.Fma(TOps.Broadcast(wc[t]), TOps.Load(row + ox + offsets[t]), a0);
                if (ox + vw <= wo)
                {
                    StoreDepthwise<TOps, TVec>(a0, bias, res == null ? null : res + ox, relu, dst + ox);
                    continue;
                }
                TOps.Store(tmp, a0);
                for (int j = 0; ox + j < wo; j++)
                {
                    float v = tmp[j] + bias + (res == null ? 0 : res[ox + j]);
                    dst[ox + j] = relu && v < 0 ? 0 : v;
                }
            }
            if (o.Act > Epilogue.Relu) MicroKernel.EpilogueSpan<TOps, TVec>(dst, null, wo, 0f, o.Act);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreDepthwise<TOps, TVec>(TVec v, float bias, float* res, bool relu, float* dst)
        where TOps : IVecOps<TVec> where TVec : struct
    {
        v = TOps.Add(v, TOps.Broadcast(bias));
        if (res != null) v = TOps.Add(v, TOps.Load(res));
        TOps.Store(dst, relu ? TOps.Max(v, TOps.Zero) : v);
    }
}
