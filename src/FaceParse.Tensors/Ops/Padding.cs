namespace FaceParse.Tensors;

/// <summary>How <see cref="Tensor.Pad"/> fills the border (torch.nn.functional.pad's mode).</summary>
public enum PadMode
{
    /// <summary>torch 'constant': the given value (zero padding by default).</summary>
    Constant,
    /// <summary>torch 'reflect': mirror without repeating the edge (pad must be smaller than the dimension).</summary>
    Reflect,
    /// <summary>torch 'replicate': repeat the edge element.</summary>
    Replicate,
}

// Padding maps every output element to one input element (or to the constant); forward gathers through that map and
// backward scatter-adds g through it, so reflect/replicate borders accumulate into the elements they copy.
public sealed partial class Tensor
{
    /// <summary>torch.nn.functional.pad(x, pads, mode, value): pads = (left, right) of the last dimension, then (top, bottom)
    /// of the one before, and so on. Constant mode also takes negative pads (cropping), like torch.</summary>
    // x[.., H, W] -> [.., H + top + bottom, W + left + right]
    public Tensor Pad(int[] pads, PadMode mode = PadMode.Constant, float value = 0f)
    {
        if (pads.Length % 2 != 0 || pads.Length > 2 * Rank)
            throw new ArgumentException($"pad: {Shapes.Format(pads)} must have an even length of at most 2·rank for input {Shapes.Format(_shape)}.");
        var outShape = (int[])_shape.Clone();
        var maps = new int[Rank][];
        for (int d = 0; d < Rank; d++)
        {
            int pair = Rank - 1 - d, before = 2 * pair < pads.Length ? pads[2 * pair] : 0, after = 2 * pair < pads.Length ? pads[2 * pair + 1] : 0;
            int size = _shape[d];
            outShape[d] = size + before + after;
            bool bad = outShape[d] < 0 || (mode != PadMode.Constant && (before < 0 || after < 0))
                       || (mode == PadMode.Reflect && (before >= size || after >= size))
                       || (mode == PadMode.Replicate && size == 0 && before + after > 0);
            if (bad) throw new ArgumentException($"pad: pads {Shapes.Format(pads)} in mode {mode} are invalid for input {Shapes.Format(_shape)} (dimension {d}).");
            maps[d] = new int[outShape[d]];
            for (int o = 0; o < outShape[d]; o++) maps[d][o] = PadSource(o - before, size, mode);
        }
        int[] source = PadSources(maps, outShape);
        var xd = Spatial.Dense(this);
        var y = Empty(outShape);
        float[] xs = xd.Storage, ys = y.Storage;
        int xo = xd.Offset;
        for (int i = 0; i < source.Length; i++) ys[i] = source[i] < 0 ? value : xs[xo + source[i]];
        return y.Record("pad", [this], g =>
        {
            var gd = Spatial.Dense(g);
            var dx = Zeros(_shape);
            float[] gs = gd.Storage, dxs = dx.Storage;
            for (int i = 0; i < source.Length; i++)
                if (source[i] >= 0) dxs[source[i]] += gs[gd.Offset + i];
            AccumulateGrad(dx);
        });
    }

    // Input coordinate for (unpadded) coordinate i along a dimension of the given size; -1 = constant fill.
    private static int PadSource(int i, int size, PadMode mode)
    {
        if ((uint)i < (uint)size) return i;
        return mode switch
        {
            PadMode.Reflect => i < 0 ? -i : 2 * (size - 1) - i,
            PadMode.Replicate => Math.Clamp(i, 0, size - 1),
            _ => -1,
        };
    }

    // Contiguous input offset of every output element (row-major), -1 where any dimension maps to the constant.
    private int[] PadSources(int[][] maps, int[] outShape)
    {
        int[] strides = Shapes.ContiguousStrides(_shape);
        var source = new int[Shapes.Count(outShape)];
        var coord = new int[Rank];
        for (int i = 0; i < source.Length; i++)
        {
            int o = 0;
            for (int d = 0; d < Rank && o >= 0; d++)
            {
                int m = maps[d][coord[d]];
                o = m < 0 ? -1 : o + m * strides[d];
            }
            source[i] = o;
            for (int d = Rank - 1; d >= 0 && ++coord[d] == outShape[d]; d--) coord[d] = 0;
        }
        return source;
    }
}
