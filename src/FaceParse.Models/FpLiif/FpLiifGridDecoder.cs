using FaceParse.Tensors;
using FaceParse.Tensors.Kernels;
using FaceParse.Tensors.Runtime;

namespace FaceParse.Models.FpLiif;

/// <summary>The pixel MLP over a full, regular output grid with bilinear upsampling, fused into one sampling pass and one
/// GEMM per layer. Equal to <see cref="FpLiifFastPath"/>'s per-op form (and the literal decoder) up to float rounding by
/// exact identities:
/// <list type="bullet">
/// <item>grid_sample bilinear (border, align_corners=False) at the pixel centres of a regular grid is separable: each
/// output column has the same two source columns and weights in every row, each output row the same two source rows.</item>
/// <item>Every positional-encoding input depends on the output row only, the column only, or neither
/// (<see cref="LiifSampling.RowDependent"/>), so W_pe·pe = (per-row vector) + (per-column vector), and the per-row part
/// absorbs W_g·g + b of the first layer.</item>
/// <item>The first layer's ReLU is applied in the sampling pass; the later layers' bias and ReLU in their GEMM's
/// epilogue; the last layer writes its rows straight into the output tensor.</item>
/// </list>
/// No [N, hidden, m] intermediate is written more than once; the work buffers are two [hidden, m] slabs per chunk.</summary>
internal static class FpLiifGridDecoder
{
    /// <summary>Points per chunk of the fused decoders, when <see cref="FpLiifConfig.ChunkPixels"/> allows that many: the two
    /// [hidden, m] work slabs (2 MB at hidden 128) then stay in the caches between one layer's GEMM and the next instead of
    /// streaming through memory. <c>fp-liif-phases</c> (bench/FaceParse.Bench), 2026-12-07: fp-liif-small 256 → 256 on one
    /// thread 63 ms against 73 ms for 16384-point chunks, 256 → 512 229 against 263 ms, fp-liif 256 → 512 650 against 703 ms;
    /// on two threads equal or faster (182 against 188 ms, 402 against 413 ms); 1024 and 512 were slower on two threads.</summary>
    internal const int CachePixels = 2048;

    /// <summary>Whether this configuration can use the fused path (bilinear upsampling).</summary>
    public static bool Supports(FpLiifConfig config) => config.Upsampling == FpLiifUpsampling.Bilinear;

    // projected [N, H, Hf, Wf] (W_feat applied), perImage [N, H] (W_g·g + b), wPe [H, P] → output [N, K, outH, outW], or with
    // no output (N = 1) sink(firstRow, rows, logits [1, K, rows·outW]) band by band, each band valid until the sink returns
    public static void Decode(FpLiifDecoder decoder, Tensor projected, Tensor perImage, Tensor wPe, Tensor? output, int outH, int outW,
        Action<int, int, Tensor>? sink = null)
    {
        if (output is null && (sink is null || projected.Dim(0) != 1)) throw new ArgumentException("Banded decoding needs a sink and one image.");
        var cfg = decoder.Config;
        var layers = decoder.PixelMlp.Layers;
        int n = projected.Dim(0), hidden = projected.Dim(1), hf = projected.Dim(2), wf = projected.Dim(3), dims = cfg.PositionalDims, k = cfg.NumClasses;
        var rowDependent = LiifSampling.RowDependent(cfg);
        var (cellY, cellX) = LiifSampling.CellOf((outH, outW));
        Tensor proj = projected.Contiguous();
        float[] bias0 = perImage.Contiguous().ToArray(), pe = wPe.Contiguous().ToArray();

        // Columns: source taps and weights (grid_sample's arithmetic), and the column part of W_pe·pe, [H, outW].
        var colAxis = Axis(outW, wf);
        var cols = new BilinearColumns(colAxis.Lo, colAxis.Hi, colAxis.Frac, wf);
        var colEnc = LiifSampling.TapsForCell(cfg, LiifSampling.GridCoords(1, outW, 0, 1), hf, wf, (cellY, cellX))[0].Encoding; // [outW, P]
        var colTerm = new float[hidden * outW];
        for (int h = 0; h < hidden; h++)
            for (int x = 0; x < outW; x++)
            {
                float s = 0;
                for (int d = 0; d < dims; d++)
                    if (!rowDependent[d]) s += pe[h * dims + d] * colEnc[x * dims + d];
                colTerm[h * outW + x] = s;
            }
        var rowsAxis = Axis(outH, hf);
        var rowCoords = new float[outH * 2];
        for (int r = 0; r < outH; r++) (rowCoords[2 * r], rowCoords[2 * r + 1]) = (LiifSampling.Centre(r, outH), LiifSampling.Centre(0, outW));
        var rowEnc = LiifSampling.TapsForCell(cfg, rowCoords, hf, wf, (cellY, cellX))[0].Encoding; // [outH, P]

        int rowsPerChunk = Math.Max(1, Math.Min(outH, Math.Min(cfg.ChunkPixels, CachePixels) / outW));
        int maxM = rowsPerChunk * outW, widest = layers.Max(l => l.Weight.Dim(0));
        // Two work slabs for the whole call (pooled: returned by the caller's TensorScope, reused by the next call).
        using var bufferA = Tensor.Empty(Math.Max(hidden, widest) * maxM);
        using var bufferB = Tensor.Empty(widest * maxM);
        var weights = layers.Select(l => l.Weight.Contiguous()).ToArray();
        var biases = layers.Select(l => l.Bias!.Contiguous()).ToArray();
        using Tensor? band = output is null ? Tensor.Empty(cfg.NumClasses * maxM) : null;
        var outSpan = output is null ? default : output.Span;
        int plane = outH * outW;
        for (int b = 0; b < n; b++)
            for (int start = 0; start < outH; start += rowsPerChunk)
            {
                int rows = Math.Min(rowsPerChunk, outH - start), m = rows * outW;
                Sample(proj, b * hidden * hf * wf, bias0, b * hidden, pe, rowEnc, rowDependent, colTerm, rowsAxis, cols,
                    hidden, hf, wf, dims, start, rows, outW, bufferA);
                if (band is not null)
                {
                    Layers(weights, biases, bufferA, bufferB, m, band.Span[..(k * m)], m);
                    sink!(start, rows, band.Narrow(0, 0, k * m).Reshape(1, k, m));
                }
                else Layers(weights, biases, bufferA, bufferB, m, outSpan.Slice(b * k * plane + start * outW, (k - 1) * plane + m), plane);
            }
    }

    /// <summary>Pixel-MLP layers 1… over m points whose first-layer activations are in <paramref name="x"/>: bias and ReLU
    /// in each GEMM's epilogue, the two slabs alternating, the last layer (no ReLU) written into <paramref name="logits"/>.</summary>
    // x [H, m] → logits [K, m] with row stride ldc; y: a second slab of at least widest·m floats
    internal static void Layers(Tensor[] weights, Tensor[] biases, Tensor x, Tensor y, int m, Span<float> logits, int ldc)
    {
        for (int i = 1; i < weights.Length; i++)
        {
            int outF = weights[i].Dim(0), inF = weights[i].Dim(1);
            bool last = i == weights.Length - 1;
            Gemm.MultiplyEpilogue(weights[i].Span, x.Span[..(inF * m)], outF, m, inF, biases[i].Span, last ? Epilogue.None : Epilogue.Relu,
                last ? logits : y.Span[..(outF * m)], last ? ldc : m);
            (x, y) = (y, x);
        }
    }

    // x[h, r·outW + c] = relu(bilinear(P_h)(row start + r, c) + bias0[h] + W_pe,row·pe_row(r) + colTerm[h, c]) for a chunk of rows;
    // each output row is one BilinearRows.Blend over its two source rows
    private static void Sample(Tensor proj, int projOffset, float[] b0, int b0Offset, float[] pe, float[] rowEnc, bool[] rowDependent, float[] colTerm,
        AxisTaps rowsAxis, BilinearColumns cols, int hidden, int hf, int wf, int dims, int start, int rows, int outW, Tensor x)
    {
        Parallelism.For(hidden, h =>
        {
            var src = proj.Span.Slice(projOffset + h * hf * wf, hf * wf);
            var ct = colTerm.AsSpan(h * outW, outW);
            for (int r = 0; r < rows; r++)
            {
                int oy = start + r;
                float rowTerm = b0[b0Offset + h];
                for (int d = 0; d < dims; d++)
                    if (rowDependent[d]) rowTerm += pe[h * dims + d] * rowEnc[oy * dims + d];
                float fy = rowsAxis.Frac[oy];
                var top = src.Slice(rowsAxis.Lo[oy] * wf, wf);
                var bot = src.Slice(rowsAxis.Hi[oy] * wf, wf);
                BilinearRows.Blend(top, bot, fy, cols, rowTerm, ct, relu: true, x.Span.Slice(h * rows * outW + r * outW, outW));
            }
        });
    }

    // The two source indices and the fraction of the upper one for each of `count` output pixel centres along an axis
    // of `size` latent cells: grid_sample's unnormalisation ((g + 1)·size − 1)/2 with the border clamp.
    private sealed record AxisTaps(int[] Lo, int[] Hi, float[] Frac);

    private static AxisTaps Axis(int count, int size)
    {
        var lo = new int[count];
        var hi = new int[count];
        var frac = new float[count];
        for (int i = 0; i < count; i++)
        {
            float v = ((LiifSampling.Centre(i, count) + 1) * size - 1) / 2;
            v = Math.Clamp(v, 0, size - 1);
            int i0 = (int)MathF.Floor(v);
            lo[i] = i0;
            hi[i] = Math.Min(i0 + 1, size - 1);
            frac[i] = v - i0;
        }
        return new AxisTaps(lo, hi, frac);
    }
}
