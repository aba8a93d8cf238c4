using FaceParse.Tensors;
using FaceParse.Tensors.Kernels;
using FaceParse.Tensors.Runtime;

namespace FaceParse.Models.FpLiif;

/// <summary>The pixel MLP at arbitrary query points (<see cref="FpLiif.ForwardAt"/> without gradients: the warp back of an
/// aligned face onto photo pixels) with bilinear upsampling. The literal decoder's arithmetic without its per-op tensors:
/// one pass samples the reduced latent at each point (grid_sample bilinear, border padding, align_corners=False) into rows
/// 0…R−1 of a slab and writes the point's positional encoding below them; the first layer is then one GEMM with
/// [W_feat | W_pe], the per-image W_g·g + b as its bias and the ReLU in its epilogue; the later layers are GEMMs with bias
/// and ReLU epilogues, the last one writing straight into the logits. No [Q, R + C + P] concatenation is built and the
/// work buffers are three slabs of one chunk of points. Equal to <see cref="FpLiifDecoder.QueryWithCell"/> up to float rounding.</summary>
internal static class FpLiifPointDecoder
{
    private const int Block = 256; // points per sampling work item: their corner indices and weights stay in L1

    // reduced [N, R, Hf·Wf], wFeat [H, R], perImage [N, H, 1] (W_g·g + b), wPe [H, P], yx [N·Q·2] (y, x) per point, cell (y, x)
    // of the query grid → logits [N, K, Q]
    public static Tensor Decode(FpLiifDecoder decoder, Tensor reduced, Tensor wFeat, Tensor perImage, Tensor wPe, float[] yx, int q,
        (float Y, float X) cell, int hf, int wf)
    {
        var cfg = decoder.Config;
        var layers = decoder.PixelMlp.Layers;
        int n = reduced.Dim(0), r = reduced.Dim(1), dims = cfg.PositionalDims, hidden = cfg.MlpHidden, k = cfg.NumClasses;
        int chunk = Math.Max(1, Math.Min(q, Math.Min(cfg.ChunkPixels, FpLiifGridDecoder.CachePixels))), widest = layers.Max(l => l.Weight.Dim(0));
        var output = Tensor.Empty(n, k, q);
        using var features = Tensor.Empty((r + dims) * chunk); // [R + P, m]: sampled features over positional encodings
        using var bufferA = Tensor.Empty(Math.Max(hidden, widest) * chunk);
        using var bufferB = Tensor.Empty(widest * chunk);
        var weights = layers.Select(l => l.Weight.Contiguous()).ToArray();
        var biases = layers.Select(l => l.Bias!.Contiguous()).ToArray();
        var first = Tensor.Concat([wFeat, wPe], 1).Contiguous(); // [H, R + P]
        var source = reduced.Contiguous();
        var bias0 = perImage.Contiguous();
        for (int b = 0; b < n; b++)
            for (int start = 0; start < q; start += chunk)
            {
                int m = Math.Min(chunk, q - start);
                var tap = LiifSampling.TapsForCell(cfg, yx.AsSpan((b * q + start) * 2, m * 2), hf, wf, cell)[0]; // one tap when bilinear
                Sample(source, b * r * hf * wf, r, hf, wf, tap.Grid, tap.Encoding, dims, m, features);
                Gemm.MultiplyEpilogue(first.Span, features.Span[..((r + dims) * m)], hidden, m, r + dims, bias0.Span.Slice(b * hidden, hidden),
                    Epilogue.Relu, bufferA.Span[..(hidden * m)], m);
                FpLiifGridDecoder.Layers(weights, biases, bufferA, bufferB, m, output.Span.Slice(b * k * q + start, (k - 1) * q + m), q);
            }
        return output;
    }

    // f[c, j] = bilinear(reduced_c)(grid_j) for c < R, f[R + d, j] = enc[j, d]: point blocks in parallel
    private static void Sample(Tensor source, int offset, int r, int hf, int wf, float[] grid, float[] enc, int dims, int m, Tensor f)
    {
        int plane = hf * wf;
        Parallelism.For((m + Block - 1) / Block, blk =>
        {
            int j0 = blk * Block, count = Math.Min(Block, m - j0);
            Span<int> i00 = stackalloc int[Block], i01 = stackalloc int[Block], i10 = stackalloc int[Block], i11 = stackalloc int[Block];
            Span<float> w00 = stackalloc float[Block], w01 = stackalloc float[Block], w10 = stackalloc float[Block], w11 = stackalloc float[Block];
            for (int j = 0; j < count; j++)
            {
                var (x0, x1, fx) = Axis(grid[2 * (j0 + j)], wf);
                var (y0, y1, fy) = Axis(grid[2 * (j0 + j) + 1], hf);
                (i00[j], i01[j], i10[j], i11[j]) = (y0 * wf + x0, y0 * wf + x1, y1 * wf + x0, y1 * wf + x1);
                (w00[j], w01[j], w10[j], w11[j]) = ((1 - fy) * (1 - fx), (1 - fy) * fx, fy * (1 - fx), fy * fx);
            }
            var all = f.Span;
            var src = source.Span;
            for (int c = 0; c < r; c++)
            {
                var s = src.Slice(offset + c * plane, plane);
                var dst = all.Slice(c * m + j0, count);
                for (int j = 0; j < count; j++) dst[j] = w00[j] * s[i00[j]] + w01[j] * s[i01[j]] + w10[j] * s[i10[j]] + w11[j] * s[i11[j]];
            }
            for (int d = 0; d < dims; d++)
            {
                var dst = all.Slice((r + d) * m + j0, count);
                for (int j = 0; j < count; j++) dst[j] = enc[(j0 + j) * dims + d];
            }
        });
    }

    // grid_sample's unnormalisation ((g + 1)·size − 1)/2 clamped to the border: the two source indices and the upper one's
    // weight (a NaN coordinate reads the first cell)
    private static (int Lo, int Hi, float Frac) Axis(float g, int size)
    {
        float v = ((g + 1) * size - 1) / 2;
        v = v >= 0 ? Math.Min(v, size - 1) : 0;
        int lo = (int)MathF.Floor(v);
        return (lo, Math.Min(lo + 1, size - 1), v - lo);
    }
}
