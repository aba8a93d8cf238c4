using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using FaceParse.Tensors.Runtime;

namespace FaceParse.Tensors.Kernels;

/// <summary>The column taps of a separable bilinear resample, computed once per output width: output column c blends
/// source columns <see cref="Lo"/>[c] and <see cref="Hi"/>[c] with weight <see cref="Frac"/>[c] on Hi (the caller's
/// arithmetic decides which: grid_sample's or interpolate's). For the fast paths it also finds, for every block of 16
/// (AVX-512) and 8 (AVX2) consecutive columns, a window of as many source columns that holds all the block's taps, so a block
/// reads its taps with in-register permutes instead of one load per tap; a block whose taps span more (downsampling) or a
/// source narrower than a block runs the scalar loop.</summary>
// lo, hi, frac [count] over a source row of sourceWidth floats
public sealed class BilinearColumns
{
    public BilinearColumns(int[] lo, int[] hi, float[] frac, int sourceWidth)
    {
        ArgumentNullException.ThrowIfNull(lo);
        ArgumentNullException.ThrowIfNull(hi);
        ArgumentNullException.ThrowIfNull(frac);
        if (hi.Length != lo.Length || frac.Length != lo.Length)
            throw new ArgumentException($"Bilinear taps: lo, hi and frac have {lo.Length}, {hi.Length} and {frac.Length} entries; they must be equal.");
        for (int c = 0; c < lo.Length; c++)
            if ((uint)lo[c] >= (uint)sourceWidth || (uint)hi[c] >= (uint)sourceWidth)
                throw new ArgumentException($"Bilinear taps: column {c} reads source columns {lo[c]} and {hi[c]}, outside 0..{sourceWidth - 1}.");
        // copies: the fast paths read through pointers, so the validated taps must not change under them
        (_lo, _hi, _frac, SourceWidth) = ([.. lo], [.. hi], [.. frac], sourceWidth);
        (Start16, Index16) = Windows(16);
        (Start8, Index8) = Windows(8);
    }

    private readonly int[] _lo, _hi;
    private readonly float[] _frac;

    public int Count => _lo.Length;
    public int SourceWidth { get; }
    public ReadOnlySpan<int> Lo => _lo;
    public ReadOnlySpan<int> Hi => _hi;
    public ReadOnlySpan<float> Frac => _frac;
    internal int[] LoArray => _lo;
    internal int[] HiArray => _hi;
    internal float[] FracArray => _frac;

    // per block of `width` columns: the window's first source column (-1: the taps do not fit), and per column the lo and
    // hi offsets inside the window ([block][0..width) lo, [block][width..2·width) hi)
    internal int[] Start16 { get; }
    internal int[] Index16 { get; }
    internal int[] Start8 { get; }
    internal int[] Index8 { get; }

    private (int[] Start, int[] Index) Windows(int width)
    {
        int blocks = Count / width;
        var start = new int[blocks];
        var index = new int[blocks * 2 * width];
        for (int b = 0; b < blocks; b++)
        {
            int c0 = b * width, min = int.MaxValue, max = -1;
            for (int c = c0; c < c0 + width; c++) (min, max) = (Math.Min(min, Math.Min(_lo[c], _hi[c])), Math.Max(max, Math.Max(_lo[c], _hi[c])));
            int s = Math.Min(min, SourceWidth - width);
            if (SourceWidth < width || max - s >= width) { start[b] = -1; continue; }
            start[b] = s;
            for (int i = 0; i < width; i++) (index[b * 2 * width + i], index[b * 2 * width + width + i]) = (_lo[c0 + i] - s, _hi[c0 + i] - s);
        }
        return (start, index);
    }
}

/// <summary>One output row of a separable bilinear resample with an added row term, column term and optional ReLU:
/// the inner step of grid_sample (bilinear) at a regular grid when rows and columns are interpolated in one pass. Every
/// path computes the same float expression in the same order (multiplies and adds, no fused multiply-add), so all levels
/// give the same bits as <see cref="BlendReference"/>.</summary>
public static class BilinearRows
{
    // top, bottom [SourceWidth] (the two source rows), colAdd [Count] → dst [Count]:
    // dst[c] = act(gy·(gx·top[lo] + fx·top[hi]) + fy·(gx·bottom[lo] + fx·bottom[hi]) + rowAdd + colAdd[c]), gy = 1 − fy,
    // fx = Frac[c], gx = 1 − fx, act = ReLU (NaN → 0) or identity
    public static unsafe void Blend(ReadOnlySpan<float> top, ReadOnlySpan<float> bottom, float fy, BilinearColumns cols, float rowAdd,
        ReadOnlySpan<float> colAdd, bool relu, Span<float> dst)
    {
        ArgumentNullException.ThrowIfNull(cols);
        if (top.Length < cols.SourceWidth || bottom.Length < cols.SourceWidth)
            throw new ArgumentException($"Bilinear rows: source rows of {top.Length} and {bottom.Length} floats, the taps need {cols.SourceWidth}.");
        if (colAdd.Length < cols.Count || dst.Length < cols.Count)
            throw new ArgumentException($"Bilinear rows: column term of {colAdd.Length} and output of {dst.Length} floats, the taps need {cols.Count}.");
        // the vector block width of the active level (0: the scalar loop only)
        int width = CpuFeatures.Active >= SimdLevel.Avx512 && Avx512F.IsSupported ? 16 : CpuFeatures.Active >= SimdLevel.Avx2Fma && Avx2.IsSupported ? 8 : 0;
        int[] starts = width == 16 ? cols.Start16 : cols.Start8, indices = width == 16 ? cols.Index16 : cols.Index8;
        int blocks = width == 0 ? 0 : cols.Count / width;
        var a = new Row { Fy = fy, Gy = 1 - fy, RowAdd = rowAdd, Relu = relu };
        fixed (float* t = top, b = bottom, add = colAdd, d = dst, frac = cols.FracArray)
        fixed (int* lo = cols.LoArray, hi = cols.HiArray, start = starts, index = indices)
        {
            a.Top = t; a.Bottom = b; a.ColAdd = add; a.Dst = d; a.Frac = frac; a.Lo = lo; a.Hi = hi;
            for (int blk = 0; blk < blocks; blk++)
            {
                int c = blk * width;
                if (start[blk] < 0) Scalar(a, c, c + width);
                else if (width == 16) Block512(a, c, start[blk], index + blk * 32);
                else Block256(a, c, start[blk], index + blk * 16);
            }
            Scalar(a, blocks * width, cols.Count);
        }
    }

    /// <summary>The plain loop every path is held to.</summary>
    public static void BlendReference(ReadOnlySpan<float> top, ReadOnlySpan<float> bottom, float fy, BilinearColumns cols, float rowAdd,
        ReadOnlySpan<float> colAdd, bool relu, Span<float> dst)
    {
        ArgumentNullException.ThrowIfNull(cols);
        float gy = 1 - fy;
        for (int c = 0; c < cols.Count; c++)
        {
            int lo = cols.Lo[c], hi = cols.Hi[c];
            float fx = cols.Frac[c], gx = 1 - fx;
            float v = gy * (gx * top[lo] + fx * top[hi]) + fy * (gx * bottom[lo] + fx * bottom[hi]) + rowAdd + colAdd[c];
            dst[c] = !relu || v > 0 ? v : 0;
        }
    }

    // one call's arguments, as pointers
    private unsafe struct Row
    {
        public float* Top, Bottom, ColAdd, Dst, Frac;
        public int* Lo, Hi;
        public float Fy, Gy, RowAdd;
        public bool Relu;
    }

    // columns [from, to) in the reference's arithmetic
    private static unsafe void Scalar(in Row a, int from, int to)
    {
        for (int c = from; c < to; c++)
        {
            int lo = a.Lo[c], hi = a.Hi[c];
            float fx = a.Frac[c], gx = 1 - fx;
            float v = a.Gy * (gx * a.Top[lo] + fx * a.Top[hi]) + a.Fy * (gx * a.Bottom[lo] + fx * a.Bottom[hi]) + a.RowAdd + a.ColAdd[c];
            a.Dst[c] = !a.Relu || v > 0 ? v : 0;
        }
    }

    // columns [c, c + 16) whose taps lie in source columns [s, s + 16); index: 16 lo then 16 hi offsets from s
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Block512(in Row a, int c, int s, int* index)
    {
        Vector512<int> lo = Vector512.Load(index), hi = Vector512.Load(index + 16);
        Vector512<float> tw = Vector512.Load(a.Top + s), bw = Vector512.Load(a.Bottom + s);
        Vector512<float> fx = Vector512.Load(a.Frac + c), gx = Vector512<float>.One - fx;
        Vector512<float> up = gx * Avx512F.PermuteVar16x32(tw, lo) + fx * Avx512F.PermuteVar16x32(tw, hi);
        Vector512<float> down = gx * Avx512F.PermuteVar16x32(bw, lo) + fx * Avx512F.PermuteVar16x32(bw, hi);
        Vector512<float> v = Vector512.Create(a.Gy) * up + Vector512.Create(a.Fy) * down + Vector512.Create(a.RowAdd) + Vector512.Load(a.ColAdd + c);
        if (a.Relu) v = Vector512.ConditionalSelect(Vector512.GreaterThan(v, Vector512<float>.Zero), v, Vector512<float>.Zero);
        v.Store(a.Dst + c);
    }

    // as Block512 for 8 columns and an 8-column window
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Block256(in Row a, int c, int s, int* index)
    {
        Vector256<int> lo = Vector256.Load(index), hi = Vector256.Load(index + 8);
        Vector256<float> tw = Vector256.Load(a.Top + s), bw = Vector256.Load(a.Bottom + s);
        Vector256<float> fx = Vector256.Load(a.Frac + c), gx = Vector256<float>.One - fx;
        Vector256<float> up = gx * Avx2.PermuteVar8x32(tw, lo) + fx * Avx2.PermuteVar8x32(tw, hi);
        Vector256<float> down = gx * Avx2.PermuteVar8x32(bw, lo) + fx * Avx2.PermuteVar8x32(bw, hi);
        Vector256<float> v = Vector256.Create(a.Gy) * up + Vector256.Create(a.Fy) * down + Vector256.Create(a.RowAdd) + Vector256.Load(a.ColAdd + c);
        if (a.Relu) v = Vector256.ConditionalSelect(Vector256.GreaterThan(v, Vector256<float>.Zero), v, Vector256<float>.Zero);
        v.Store(a.Dst + c);
    }
}
