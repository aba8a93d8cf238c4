namespace FaceParse.Tensors;

// Sliding-window patches: unfold is im2col per image and fold is col2im; each is the other's backward.
public sealed partial class Tensor
{
    /// <summary>torch.nn.functional.unfold(x, kernel_size, dilation, padding, stride): row c·kh·kw + ky·kw + kx of the
    /// result holds that kernel tap for every one of the L = Ho·Wo window positions.</summary>
    // x[N,C,H,W] -> [N, C·kh·kw, L]
    public Tensor Unfold(Size2D kernel, Size2D? padding = null, Size2D? stride = null, Size2D? dilation = null)
    {
        Spatial.Require4D("unfold", this);
        var p = PatchGeometry("unfold", _shape[1], _shape[2], _shape[3], kernel, padding ?? 0, stride ?? 1, dilation ?? 1);
        return Patchwise("unfold", p, toColumns: true);
    }

    /// <summary>torch.nn.functional.fold(x, output_size, kernel_size, dilation, padding, stride): sums the columns
    /// of an unfold-layout tensor back into an image (the adjoint of <see cref="Unfold"/>).</summary>
    // x[N, C·kh·kw, L] -> [N,C,outH,outW]
    public Tensor Fold(Size2D outputSize, Size2D kernel, Size2D? padding = null, Size2D? stride = null, Size2D? dilation = null)
    {
        int taps = kernel.H * kernel.W;
        if (Rank != 3 || taps < 1 || _shape[1] % taps != 0)
            throw new ArgumentException($"fold: input {Shapes.Format(_shape)} must be [N, C·{kernel.H}·{kernel.W}, L].");
        var p = PatchGeometry("fold", _shape[1] / taps, outputSize.H, outputSize.W, kernel, padding ?? 0, stride ?? 1, dilation ?? 1);
        if (p.Cols != _shape[2])
            throw new ArgumentException($"fold: input {Shapes.Format(_shape)} has L = {_shape[2]} but output {outputSize} with kernel {kernel} gives {p.Cols} windows.");
        return Patchwise("fold", p, toColumns: false);
    }

    private Spatial.Patches PatchGeometry(string op, int channels, int h, int w, Size2D k, Size2D p, Size2D s, Size2D d)
    {
        if (k.H < 1 || k.W < 1 || s.H < 1 || s.W < 1 || d.H < 1 || d.W < 1 || p.H < 0 || p.W < 0 || h < 1 || w < 1
            || h + 2 * p.H - d.H * (k.H - 1) - 1 < 0 || w + 2 * p.W - d.W * (k.W - 1) - 1 < 0)
            throw new ArgumentException($"{op}: kernel {k}, padding {p}, stride {s}, dilation {d} do not fit image {h}x{w} (input {Shapes.Format(_shape)}).");
        int ho = (h + 2 * p.H - d.H * (k.H - 1) - 1) / s.H + 1, wo = (w + 2 * p.W - d.W * (k.W - 1) - 1) / s.W + 1;
        return new Spatial.Patches(channels, h, w, k, s, p, d, ho, wo);
    }

    // im2col (toColumns) or col2im of every image in the batch; the gradient is the opposite transform.
    private Tensor Patchwise(string op, Spatial.Patches p, bool toColumns)
    {
        int n = _shape[0];
        int[] imageShape = [n, p.Channels, p.InH, p.InW], colShape = [n, p.Rows, p.Cols];
        var y = Transform(this, p, toColumns, toColumns ? colShape : imageShape);
        return y.Record(op, [this], g => AccumulateGrad(Transform(g, p, !toColumns, _shape)));

        static Tensor Transform(Tensor src, Spatial.Patches p, bool toColumns, int[] shape)
        {
            var sd = Spatial.Dense(src);
            var dst = toColumns ? Empty(shape) : Zeros(shape);
            int image = p.ImageSize, cols = p.Rows * p.Cols;
            for (int b = 0; b < shape[0]; b++)
            {
                if (toColumns) Spatial.Im2Col(sd.Storage, sd.Offset + b * image, p, dst.Storage, b * cols);
                else Spatial.Col2Im(sd.Storage, sd.Offset + b * cols, p, dst.Storage, b * image);
            }
            return dst;
        }
    }
}
