namespace FaceParse.Tensors;

/// <summary>A (height, width) pair for kernel sizes, strides, paddings and dilations; an int converts to (v, v)
/// like torch's int-or-tuple arguments.</summary>
public readonly record struct Size2D(int H, int W)
{
    public static implicit operator Size2D(int v) => new(v, v);
    public static implicit operator Size2D((int H, int W) v) => new(v.H, v.W);
    public override string ToString() => $"({H}, {W})";
}

/// <summary>Shared machinery of the spatial ops: dense access to inputs, NCHW checks, and im2col / col2im
/// (the patch layout of torch.nn.functional.unfold / fold).</summary>
internal static class Spatial
{
    /// <summary>The tensor itself when contiguous, else an untracked contiguous copy (for reading storage in kernels).</summary>
    public static Tensor Dense(Tensor t) => t.IsContiguous ? t : t.Clone();

    /// <summary>Throws ArgumentException unless <paramref name="x"/> is [N,C,H,W].</summary>
    public static void Require4D(string op, Tensor x, string name = "input")
    {
        if (x.Rank != 4) throw new ArgumentException($"{op}: {name} must be [N, C, H, W], got {Shapes.Format(x.Shape)}.");
    }

    // One patch geometry: image [C, inH, inW] <-> columns [C*kh*kw, outH*outW], channel-major rows (c*kh*kw + ky*kw + kx).
    public readonly record struct Patches(int Channels, int InH, int InW, Size2D Kernel, Size2D Stride, Size2D Padding, Size2D Dilation, int OutH, int OutW)
    {
        public int Rows => Channels * Kernel.H * Kernel.W;
        public int Cols => OutH * OutW;
        public int ImageSize => Channels * InH * InW;

        // Image index read by column row `row` at output (oy, ox), or -1 when it lands in padding.
        public int ImageIndex(int row, int oy, int ox)
        {
            int kx = row % Kernel.W, ky = row / Kernel.W % Kernel.H, c = row / (Kernel.W * Kernel.H);
            int iy = oy * Stride.H - Padding.H + ky * Dilation.H, ix = ox * Stride.W - Padding.W + kx * Dilation.W;
            return (uint)iy < (uint)InH && (uint)ix < (uint)InW ? (c * InH + iy) * InW + ix : -1;
        }
    }

    // image[p.ImageSize] at imgOff -> cols[p.Rows, p.Cols] at colOff (overwritten)
    public static void Im2Col(float[] img, int imgOff, Patches p, float[] cols, int colOff)
    {
        Runtime.Parallelism.For(p.Rows, row =>
        {
            int o = colOff + row * p.Cols;
            for (int oy = 0; oy < p.OutH; oy++)
            for (int ox = 0; ox < p.OutW; ox++, o++)
            {
                int i = p.ImageIndex(row, oy, ox);
                cols[o] = i >= 0 ? img[imgOff + i] : 0f;
            }
        });
    }

    // cols[p.Rows, p.Cols] at colOff summed into image[p.ImageSize] at imgOff (accumulates; channels in parallel).
    public static void Col2Im(float[] cols, int colOff, Patches p, float[] img, int imgOff)
    {
        int perChannel = p.Kernel.H * p.Kernel.W;
        Runtime.Parallelism.For(p.Channels, c =>
        {
            for (int row = c * perChannel; row < (c + 1) * perChannel; row++)
            {
                int o = colOff + row * p.Cols;
                for (int oy = 0; oy < p.OutH; oy++)
                for (int ox = 0; ox < p.OutW; ox++, o++)
                {
                    int i = p.ImageIndex(row, oy, ox);
                    if (i >= 0) img[imgOff + i] += cols[o];
                }
            }
        });
    }

    /// <summary>Sum of dy[N,C,H,W] over N, H, W -> [C] (the bias gradient of the convolutions).</summary>
    public static Tensor ChannelSums(Tensor dy)
    {
        var d = Dense(dy);
        int n = d.Dim(0), c = d.Dim(1), hw = d.Dim(2) * d.Dim(3);
        var r = new float[c];
        float[] s = d.Storage;
        int off = d.Offset;
        // one channel per item (its images summed in batch order), so the result does not depend on the thread count
        Action<int> channel = ch =>
        {
            for (int b = 0; b < n; b++) r[ch] += (float)RowSum(s.AsSpan(off + (b * c + ch) * hw, hw));
        };
        if ((long)n * c * hw < 1 << 16) for (int ch = 0; ch < c; ch++) channel(ch);
        else Runtime.Parallelism.For(c, channel);
        return Tensor.FromArray(r, c);
    }

    // Σ row, in float SIMD lanes over blocks of 1024 and in double across blocks
    private static double RowSum(ReadOnlySpan<float> row)
    {
        const int Block = 1024;
        int w = System.Numerics.Vector<float>.Count;
        double total = 0;
        for (int start = 0; start < row.Length; start += Block)
        {
            var block = row.Slice(start, Math.Min(Block, row.Length - start));
            var acc = System.Numerics.Vector<float>.Zero;
            int i = 0;
            for (; i + w <= block.Length; i += w) acc += new System.Numerics.Vector<float>(block.Slice(i, w));
            float tail = 0;
            for (; i < block.Length; i++) tail += block[i];
            total += (double)System.Numerics.Vector.Sum(acc) + tail;
        }
        return total;
    }
}
