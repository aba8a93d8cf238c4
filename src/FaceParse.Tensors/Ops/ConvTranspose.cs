using FaceParse.Tensors.Kernels;

namespace FaceParse.Tensors;

// Transposed convolution as GEMM + col2im: per image and group, cols[Cout/g·kh·kw, H·W] = W_gᵀ · x_g, scattered into
// the output by col2im. Backward is the matching im2col of dy: dx_g = W_g · cols(dy), dW_g = x_g · cols(dy)ᵀ, dbias = Σ dy.
public sealed partial class Tensor
{
    /// <summary>torch.nn.functional.conv_transpose2d(x, weight, bias, stride, padding, output_padding, groups, dilation).</summary>
    /// <remarks>H_out = (H−1)·stride − 2·padding + dilation·(kh−1) + output_padding + 1 (likewise W).</remarks>
    // x[N,Cin,H,W], weight[Cin,Cout/groups,kh,kw], bias[Cout] -> [N,Cout,H_out,W_out]
    public Tensor ConvTranspose2d(Tensor weight, Tensor? bias = null, Size2D? stride = null, Size2D? padding = null, Size2D? outputPadding = null, int groups = 1, Size2D? dilation = null)
    {
        Size2D s = stride ?? 1, p = padding ?? 0, op = outputPadding ?? 0, d = dilation ?? 1;
        string shapes = $"input {Shapes.Format(_shape)}, weight {Shapes.Format(weight.Shape)}, stride {s}, padding {p}, output_padding {op}, dilation {d}";
        Spatial.Require4D("conv_transpose2d", this);
        if (weight.Rank != 4) throw new ArgumentException($"conv_transpose2d: weight must be [Cin, Cout/groups, kh, kw]; {shapes}.");
        if (groups < 1 || weight.Dim(0) != _shape[1] || _shape[1] % groups != 0)
            throw new ArgumentException($"conv_transpose2d: weight[0] must equal Cin and groups={groups} must divide it; {shapes}.");
        if (s.H < 1 || s.W < 1 || d.H < 1 || d.W < 1 || p.H < 0 || p.W < 0 || op.H < 0 || op.W < 0)
            throw new ArgumentException($"conv_transpose2d: stride and dilation must be >= 1, padding and output_padding >= 0; {shapes}.");
        if ((op.H >= s.H && op.H >= d.H) || (op.W >= s.W && op.W >= d.W))
            throw new ArgumentException($"conv_transpose2d: output_padding must be smaller than either stride or dilation; {shapes}.");
        int n = _shape[0], cin = _shape[1], h = _shape[2], w = _shape[3];
        int cinG = cin / groups, coutG = weight.Dim(1), cout = coutG * groups;
        var k = new Size2D(weight.Dim(2), weight.Dim(3));
        int ho = (h - 1) * s.H - 2 * p.H + d.H * (k.H - 1) + op.H + 1, wo = (w - 1) * s.W - 2 * p.W + d.W * (k.W - 1) + op.W + 1;
        if (ho < 1 || wo < 1) throw new ArgumentException($"conv_transpose2d: output size {ho}x{wo} is not positive; {shapes}.");
        if (bias is not null && (bias.Rank != 1 || bias.Dim(0) != cout))
            throw new ArgumentException($"conv_transpose2d: bias {Shapes.Format(bias.Shape)} must be [{cout}]; {shapes}.");

        // The output image of one group is the "input" of the equivalent convolution, whose output grid is H×W.
        var patches = new Spatial.Patches(coutG, ho, wo, k, s, p, d, h, w);
        int rows = patches.Rows, hw = h * w, outImage = coutG * ho * wo, wGroup = cinG * rows;
        var xd = Spatial.Dense(this);
        var wd = Spatial.Dense(weight);
        var y = Zeros(n, cout, ho, wo);
        var cols = TensorPool.Rent(rows * hw); // scratch, fully overwritten by each GEMM
        for (int b = 0; b < n; b++)
        for (int grp = 0; grp < groups; grp++)
        {
            Gemm.Multiply(wd.Storage.AsSpan(wd.Offset + grp * wGroup, wGroup), xd.Storage.AsSpan(xd.Offset + (b * cin + grp * cinG) * hw, cinG * hw),
                rows, hw, cinG, transA: true, transB: false, accumulate: false, cols);
            Spatial.Col2Im(cols, 0, patches, y.Storage, (b * groups + grp) * outImage);
        }
        TensorPool.Return(cols);
        if (bias is not null) AddChannelBias(y, Spatial.Dense(bias));

        return y.Record("conv_transpose2d", [this, weight, .. bias is null ? Array.Empty<Tensor>() : [bias]], g =>
        {
            var dy = Spatial.Dense(g);
            var dx = RequiresGrad ? Empty(_shape) : null;
            var dw = weight.RequiresGrad ? Zeros(weight._shape) : null;
            var dcols = TensorPool.Rent(rows * hw); // scratch, fully overwritten by each Im2Col
            for (int b = 0; b < n; b++)
            for (int grp = 0; grp < groups; grp++)
            {
                Spatial.Im2Col(dy.Storage, dy.Offset + (b * groups + grp) * outImage, patches, dcols, 0);
                int xOff = (b * cin + grp * cinG) * hw;
                if (dx is not null)
                    Gemm.Multiply(wd.Storage.AsSpan(wd.Offset + grp * wGroup, wGroup), dcols, cinG, hw, rows, false, false, false, dx.Storage.AsSpan(xOff, cinG * hw));
                if (dw is not null)
                    Gemm.Multiply(xd.Storage.AsSpan(xd.Offset + xOff, cinG * hw), dcols, cinG, rows, hw, false, true, true, dw.Storage.AsSpan(grp * wGroup, wGroup));
            }
            TensorPool.Return(dcols);
            if (dx is not null) AccumulateGrad(dx);
            if (dw is not null) weight.AccumulateGrad(dw);
            if (bias is { RequiresGrad: true }) bias.AccumulateGrad(Spatial.ChannelSums(dy));
        });
    }

    // y[N,C,H,W] += bias[C] in place (y freshly allocated by the caller).
    private static void AddChannelBias(Tensor y, Tensor bias)
    {
        int c = y.Dim(1), hw = y.Dim(2) * y.Dim(3);
        float[] yd = y.Storage, bd = bias.Storage;
        for (int i = 0; i < y.Dim(0) * c; i++)
            System.Numerics.Tensors.TensorPrimitives.Add(yd.AsSpan(i * hw, hw), bd[bias.Offset + i % c], yd.AsSpan(i * hw, hw));
    }
}
