namespace FaceParse.Tensors;

/// <summary>Resampling kernel of <see cref="Tensor.Interpolate"/> (torch.nn.functional.interpolate's mode).</summary>
public enum InterpolateMode
{
    /// <summary>torch 'nearest' (legacy): src = min(floor(dst·in/out), in−1).</summary>
    Nearest,
    /// <summary>torch 'bilinear'.</summary>
    Bilinear,
    /// <summary>torch 'bicubic': cubic convolution with A = −0.75, taps clamped to the border.</summary>
    Bicubic,
}

// Every mode is separable: each output row (column) reads a few taps of input rows (columns) with fixed weights, so
// forward is y = Σ wy·wx·x over the taps and backward scatters g·wy·wx onto the same taps. Coordinates are computed in
// float like torch's CPU kernels (area_pixel_compute_scale / area_pixel_compute_source_index).
public sealed partial class Tensor
{
    /// <summary>torch.nn.functional.interpolate(x, size=(outH, outW), mode, align_corners) without antialiasing.</summary>
    // x[N,C,H,W] -> [N,C,outH,outW]
    public Tensor Interpolate(int outH, int outW, InterpolateMode mode = InterpolateMode.Nearest, bool alignCorners = false)
    {
        Spatial.Require4D("interpolate", this);
        if (outH < 1 || outW < 1 || _shape[2] < 1 || _shape[3] < 1)
            throw new ArgumentException($"interpolate: output size {outH}x{outW} and input {Shapes.Format(_shape)} must be positive.");
        if (alignCorners && mode == InterpolateMode.Nearest)
            throw new ArgumentException($"interpolate: align_corners only applies to bilinear and bicubic modes (input {Shapes.Format(_shape)}).");
        var rows = ResampleTaps(_shape[2], outH, mode, alignCorners);
        var cols = ResampleTaps(_shape[3], outW, mode, alignCorners);
        int planes = _shape[0] * _shape[1];
        var y = Empty(_shape[0], _shape[1], outH, outW);
        var xd = Spatial.Dense(this);
        ResampleSeparable(xd.Storage, xd.Offset, y.Storage, planes, _shape[2], _shape[3], rows, cols);
        return y.Record("interpolate", [this], g =>
        {
            var gd = Spatial.Dense(g);
            var dx = Zeros(_shape);
            ResampleAdjoint(gd.Storage, gd.Offset, dx.Storage, planes, _shape[2], _shape[3], rows, cols);
            AccumulateGrad(dx);
        });
    }

    // Taps of one axis: Index/Weight[o·Count + t] for output o.
    private sealed record InterpTaps(int Count, int[] Index, float[] Weight);

    private static InterpTaps ResampleTaps(int input, int output, InterpolateMode mode, bool alignCorners)
    {
        int count = mode switch { InterpolateMode.Nearest => 1, InterpolateMode.Bilinear => 2, _ => 4 };
        var taps = new InterpTaps(count, new int[output * count], new float[output * count]);
        float scale = alignCorners ? (output > 1 ? (float)(input - 1) / (output - 1) : 0f) : (float)input / output;
        for (int o = 0; o < output; o++)
        {
            int at = o * count;
            if (mode == InterpolateMode.Nearest)
            {
                taps.Index[at] = Math.Min((int)MathF.Floor(o * scale), input - 1);
                taps.Weight[at] = 1f;
                continue;
            }
            float src = alignCorners ? scale * o : scale * (o + 0.5f) - 0.5f;
            if (mode == InterpolateMode.Bilinear)
            {
                src = Math.Max(src, 0f);
                int i0 = (int)src;
                float l1 = src - i0;
                taps.Index[at] = i0;
                taps.Index[at + 1] = i0 + (i0 < input - 1 ? 1 : 0);
                taps.Weight[at] = 1f - l1;
                taps.Weight[at + 1] = l1;
                continue;
            }
            int floor = (int)MathF.Floor(src);
            float t = src - floor;
            const float A = -0.75f;
            taps.Weight[at] = CubicFar(t + 1, A);
            taps.Weight[at + 1] = CubicNear(t, A);
            taps.Weight[at + 2] = CubicNear(1 - t, A);
            taps.Weight[at + 3] = CubicFar(2 - t, A);
            for (int k = 0; k < 4; k++) taps.Index[at + k] = Math.Clamp(floor - 1 + k, 0, input - 1);
        }
        return taps;
    }

    // Keys' cubic convolution kernel for |x| <= 1 and for 1 < |x| < 2.
    private static float CubicNear(float x, float a) => ((a + 2) * x - (a + 3)) * x * x + 1;
    private static float CubicFar(float x, float a) => ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;

    // Forward in two passes per plane, y = Σ_ty wy·(Σ_tx wx·src): each input row some output row reads is resampled along
    // W into tmp[h, wo], then each output row is a weighted sum of tmp rows (vector multiply-adds). For bilinear that is
    // 3–4× fewer operations than summing wy·wx·src per output pixel, with no gathers in the second pass; rows no tap reads
    // (strong downsampling) are skipped. dst[planes, ho, wo] is fully written. Held equal to a double-precision reference
    // by InterpolateTests.
    private static void ResampleSeparable(float[] src, int srcOff, float[] dst, int planes, int h, int w, InterpTaps rows, InterpTaps cols)
    {
        int ho = rows.Index.Length / rows.Count, wo = cols.Index.Length / cols.Count;
        var read = new bool[h];
        foreach (int iy in rows.Index) read[iy] = true;
        Runtime.Parallelism.For(planes, plane =>
        {
            float[] tmp = TensorPool.Rent(h * wo);
            int image = srcOff + plane * h * w;
            for (int iy = 0; iy < h; iy++)
            {
                if (!read[iy]) continue;
                int rowAt = image + iy * w, tmpAt = iy * wo;
                for (int ox = 0; ox < wo; ox++)
                {
                    float acc = 0;
                    for (int tx = ox * cols.Count; tx < (ox + 1) * cols.Count; tx++) acc += cols.Weight[tx] * src[rowAt + cols.Index[tx]];
                    tmp[tmpAt + ox] = acc;
                }
            }
            for (int oy = 0; oy < ho; oy++)
            {
                var d = dst.AsSpan(plane * ho * wo + oy * wo, wo);
                int t0 = oy * rows.Count;
                System.Numerics.Tensors.TensorPrimitives.Multiply(tmp.AsSpan(rows.Index[t0] * wo, wo), rows.Weight[t0], d);
                for (int ty = t0 + 1; ty < t0 + rows.Count; ty++)
                    System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(tmp.AsSpan(rows.Index[ty] * wo, wo), rows.Weight[ty], d, d);
            }
            TensorPool.Return(tmp);
        });
    }

    // Backward (the adjoint of the forward): dst[p,iy,ix] += wy·wx·src[p,oy,ox]; dst zeroed by the caller.
    private static void ResampleAdjoint(float[] src, int srcOff, float[] dst, int planes, int h, int w, InterpTaps rows, InterpTaps cols)
    {
        int ho = rows.Index.Length / rows.Count, wo = cols.Index.Length / cols.Count;
        Runtime.Parallelism.For(planes, plane =>
        {
            int image = plane * h * w, grid = plane * ho * wo;
            for (int oy = 0; oy < ho; oy++)
            for (int ox = 0; ox < wo; ox++)
            {
                float gv = src[srcOff + grid + oy * wo + ox];
                for (int ty = oy * rows.Count; ty < (oy + 1) * rows.Count; ty++)
                {
                    int rowAt = image + rows.Index[ty] * w;
                    float wy = rows.Weight[ty];
                    for (int tx = ox * cols.Count; tx < (ox + 1) * cols.Count; tx++) dst[rowAt + cols.Index[tx]] += wy * cols.Weight[tx] * gv;
                }
            }
        });
    }
}
