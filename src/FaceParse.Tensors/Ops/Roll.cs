namespace FaceParse.Tensors;

// torch.roll and the Swin window helpers. Roll is a pure index permutation: forward gathers y[i] = x[src(i)],
// backward gathers dx[i] = g[dst(i)] (the roll by the negated shifts). Window partition/reverse are reshape + permute
// views (their backward is the views').
public sealed partial class Tensor
{
    /// <summary>torch.roll(x, shifts, dims): element i of each rolled axis moves to (i + shift) mod size; shifts may be
    /// negative or larger than the axis.</summary>
    // x[*] -> y[*] (same shape)
    public Tensor Roll(int[] shifts, int[] axes)
    {
        ArgumentNullException.ThrowIfNull(shifts);
        ArgumentNullException.ThrowIfNull(axes);
        if (shifts.Length != axes.Length || shifts.Length == 0)
            throw new ArgumentException($"roll: {shifts.Length} shifts for {axes.Length} dims (need one shift per dim, at least one).");
        var shift = new int[Rank];
        foreach (var (s, a) in shifts.Zip(axes))
        {
            int d = Shapes.Axis(a, Rank);
            shift[d] = _shape[d] == 0 ? 0 : (int)(((long)shift[d] + s) % _shape[d] + _shape[d]) % _shape[d];
        }
        int[] source = RollSources(shift);
        var xd = Spatial.Dense(this);
        var y = Empty(_shape);
        float[] xs = xd.Storage, ys = y.Storage;
        int xo = xd.Offset, yo = y.Offset;
        for (int i = 0; i < source.Length; i++) ys[yo + i] = xs[xo + source[i]];
        return y.Record("roll", [this], g =>
        {
            var gd = Spatial.Dense(g);
            var dx = Empty(_shape);
            float[] gs = gd.Storage, dxs = dx.Storage;
            for (int i = 0; i < source.Length; i++) dxs[dx.Offset + source[i]] = gs[gd.Offset + i];
            AccumulateGrad(dx);
        });
    }

    // Row-major input offset of every output element of a roll by shift[d] along each axis d.
    private int[] RollSources(int[] shift)
    {
        int[] strides = Shapes.ContiguousStrides(_shape);
        var source = new int[Shapes.Count(_shape)];
        var coord = new int[Rank];
        for (int i = 0; i < source.Length; i++)
        {
            int o = 0;
            for (int d = 0; d < Rank; d++)
            {
                int c = coord[d] - shift[d];
                if (c < 0) c += _shape[d];
                o += c * strides[d];
            }
            source[i] = o;
            for (int d = Rank - 1; d >= 0 && ++coord[d] == _shape[d]; d--) coord[d] = 0;
        }
        return source;
    }

    /// <summary>Swin's window partition (torchvision shifted_window_attention): non-overlapping wh×ww windows of a
    /// channels-last map, each flattened row-major; windows ordered row-major over the grid, batch outermost.</summary>
    // x[B,H,W,C] -> [B·(H/wh)·(W/ww), wh·ww, C]
    public Tensor WindowPartition(int wh, int ww)
    {
        if (Rank != 4 || wh < 1 || ww < 1 || _shape[1] % wh != 0 || _shape[2] % ww != 0)
            throw new ArgumentException($"window_partition: input {Shapes.Format(_shape)} must be [B, H, W, C] with H, W multiples of the window {wh}×{ww}.");
        int b = _shape[0], h = _shape[1], w = _shape[2], c = _shape[3];
        return Reshape(b, h / wh, wh, w / ww, ww, c).Permute(0, 1, 3, 2, 4, 5).Reshape(b * (h / wh) * (w / ww), wh * ww, c);
    }

    /// <summary>Inverse of <see cref="WindowPartition"/>.</summary>
    // x[B·(H/wh)·(W/ww), wh·ww, C] -> [B,H,W,C]
    public Tensor WindowReverse(int wh, int ww, int h, int w)
    {
        if (Rank != 3 || wh < 1 || ww < 1 || h % wh != 0 || w % ww != 0 || _shape[1] != wh * ww || _shape[0] % ((h / wh) * (w / ww)) != 0)
            throw new ArgumentException($"window_reverse: input {Shapes.Format(_shape)} does not hold {wh}×{ww} windows of a {h}×{w} map.");
        int c = _shape[2], b = _shape[0] / ((h / wh) * (w / ww));
        return Reshape(b, h / wh, w / ww, wh, ww, c).Permute(0, 1, 3, 2, 4, 5).Reshape(b, h, w, c);
    }
}
