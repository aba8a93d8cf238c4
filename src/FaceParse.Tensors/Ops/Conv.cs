using FaceParse.Tensors.Kernels;

namespace FaceParse.Tensors;

// 2-D convolution on the Kernels.Conv2d entry points. Backward: dx = BackwardInput(dy), dw = BackwardWeight(x, dy),
// dbias = Σ_{N,H,W} dy, dresidual = dy; a fused activation is differentiated through its pre-activation.
public sealed partial class Tensor
{
    /// <summary>torch.nn.functional.conv2d(x, weight, bias, stride, padding, dilation, groups).</summary>
    // x[N,Cin,H,W] * weight[Cout,Cin/groups,kh,kw] + bias[Cout] -> [N,Cout,Ho,Wo]
    public Tensor Conv2d(Tensor weight, Tensor? bias = null, Size2D? stride = null, Size2D? padding = null, Size2D? dilation = null, int groups = 1)
        => Conv2d(weight, bias, null, Epilogue.None, stride, padding, dilation, groups);

    /// <summary>Fused inference form: act(torch.nn.functional.conv2d(x, weight, bias, …) + residual).</summary>
    /// <remarks>Without autograd the activation runs in the kernel epilogue; when a gradient is needed the convolution
    /// runs unfused and the activation's derivative is applied to its pre-activation in backward.</remarks>
    // x[N,Cin,H,W] * weight[Cout,Cin/groups,kh,kw] + bias[Cout] + residual[N,Cout,Ho,Wo] -> [N,Cout,Ho,Wo]
    public Tensor Conv2d(Tensor weight, Tensor? bias, Tensor? residual, Epilogue epilogue, Size2D? stride = null, Size2D? padding = null, Size2D? dilation = null, int groups = 1)
    {
        var geo = ConvGeometry(weight, bias, stride ?? 1, padding ?? 0, dilation ?? 1, groups);
        int[] outShape = [geo.Batch, geo.OutChannels, geo.OutHeight, geo.OutWidth];
        if (residual is not null && !Shapes.Equal(residual.ShapeArray, outShape))
            throw new ArgumentException($"conv2d: residual {Shapes.Format(residual.Shape)} must match the output {Shapes.Format(outShape)} (input {Shapes.Format(_shape)}, weight {Shapes.Format(weight.Shape)}).");
        Tensor[] inputs = [this, weight, .. bias is null ? Array.Empty<Tensor>() : [bias], .. residual is null ? Array.Empty<Tensor>() : [residual]];
        bool track = GradMode.Enabled && inputs.Any(t => t.RequiresGrad);
        var xd = Spatial.Dense(this);
        var wd = Spatial.Dense(weight);
        var y = Empty(outShape);
        // ReLU's derivative is readable from its output (y > 0 ⇔ pre-activation > 0), so it stays fused even when recording
        // and backward keeps only y; other activations keep their pre-activation for backward.
        bool fuse = !track || epilogue is Epilogue.None or Epilogue.Relu;
        Kernels.Conv2d.Forward(xd.Span, wd.Span, bias is null ? default : Spatial.Dense(bias).Span,
            residual is null ? default : Spatial.Dense(residual).Span, geo, fuse ? epilogue : Epilogue.None, y.Span);
        if (!track) return y;
        var pre = y;
        if (!fuse)
        {
            y = Empty(outShape);
            MapEpilogue(epilogue, pre, y, null, derivative: false);
        }
        return y.Record("conv2d", inputs, g =>
        {
            var dy = Spatial.Dense(g);
            if (epilogue != Epilogue.None)
            {
                var dPre = Empty(outShape);
                MapEpilogue(epilogue, pre, dPre, dy, derivative: true); // for a fused ReLU, pre is its output: same mask
                dy = dPre;
            }
            if (RequiresGrad)
            {
                var dx = Empty(_shape);
                Kernels.Conv2d.BackwardInput(dy.Span, wd.Span, geo, dx.Span);
                AccumulateGrad(dx);
            }
            if (weight.RequiresGrad)
            {
                var dw = Empty(weight._shape);
                Kernels.Conv2d.BackwardWeight(xd.Span, dy.Span, geo, dw.Span);
                weight.AccumulateGrad(dw);
            }
            if (bias is { RequiresGrad: true }) bias.AccumulateGrad(Spatial.ChannelSums(dy));
            residual?.AccumulateGrad(dy);
        });
    }

    private Conv2dGeometry ConvGeometry(Tensor weight, Tensor? bias, Size2D stride, Size2D padding, Size2D dilation, int groups)
    {
        string shapes = $"input {Shapes.Format(_shape)}, weight {Shapes.Format(weight.Shape)}";
        Spatial.Require4D("conv2d", this);
        if (weight.Rank != 4) throw new ArgumentException($"conv2d: weight must be [Cout, Cin/groups, kh, kw]; {shapes}.");
        if (groups < 1 || _shape[1] % groups != 0 || weight.Dim(0) % groups != 0 || weight.Dim(1) * groups != _shape[1])
            throw new ArgumentException($"conv2d: groups={groups} does not fit {shapes} (need Cin = groups·weight[1] and groups | Cout).");
        if (bias is not null && (bias.Rank != 1 || bias.Dim(0) != weight.Dim(0)))
            throw new ArgumentException($"conv2d: bias {Shapes.Format(bias.Shape)} must be [{weight.Dim(0)}]; {shapes}.");
        var geo = new Conv2dGeometry(_shape[0], _shape[1], _shape[2], _shape[3], weight.Dim(0), weight.Dim(2), weight.Dim(3),
            stride.H, stride.W, padding.H, padding.W, dilation.H, dilation.W, groups);
        try { geo.Validate(); }
        catch (ArgumentException e) { throw new ArgumentException($"{e.Message} ({shapes}, stride {stride}, padding {padding}, dilation {dilation})", e); }
        return geo;
    }

    // dst = act(src), or dst = grad · act'(src) when derivative is set (src = pre-activation); elementwise, in parallel
    // chunks. ReLU's derivative is vectorised: grad where src > 0, else 0, as torch's threshold_backward.
    private static void MapEpilogue(Epilogue epilogue, Tensor src, Tensor dst, Tensor? grad, bool derivative)
    {
        float[] s = src.Storage, d = dst.Storage, gd = grad?.Storage ?? [];
        int so = src.Offset, d0 = dst.Offset, go = grad?.Offset ?? 0, count = src.Count;
        const int Chunk = 1 << 14;
        int chunks = (count + Chunk - 1) / Chunk;
        Action<int> body = c =>
        {
            int lo = c * Chunk, hi = Math.Min(count, lo + Chunk), i = lo;
            if (derivative && epilogue == Epilogue.Relu)
            {
                var zero = System.Numerics.Vector<float>.Zero;
                for (int w = System.Numerics.Vector<float>.Count; i + w <= hi; i += w)
                {
                    var v = new System.Numerics.Vector<float>(s, so + i);
                    System.Numerics.Vector.ConditionalSelect(System.Numerics.Vector.GreaterThan(v, zero), new System.Numerics.Vector<float>(gd, go + i), zero).CopyTo(d, d0 + i);
                }
            }
            for (; i < hi; i++)
            {
                float v = s[so + i];
                d[d0 + i] = derivative ? epilogue == Epilogue.Relu ? (v > 0 ? gd[go + i] : 0) : gd[go + i] * EpilogueDerivative(epilogue, v)
                    : Activations.Apply(epilogue, v);
            }
        };
        if (chunks == 1) body(0);
        else Runtime.Parallelism.For(chunks, body);
    }

    // d act(v) / dv, matching torch's backward formulas (hardswish: 0 below -3, v/3 + 1/2 up to 3, 1 above).
    private static float EpilogueDerivative(Epilogue epilogue, float v)
    {
        switch (epilogue)
        {
            case Epilogue.Relu: return v > 0 ? 1 : 0;
            case Epilogue.Gelu: return (float)(Activations.NormalCdf(v) + v * Math.Exp(-0.5 * v * v) / Math.Sqrt(2 * Math.PI));
            case Epilogue.Silu:
                float sig = 1 / (1 + MathF.Exp(-v));
                return sig * (1 + v * (1 - sig));
            case Epilogue.HardSwish: return v < -3 ? 0 : v <= 3 ? v / 3 + 0.5f : 1;
            default: return 1;
        }
    }
}
