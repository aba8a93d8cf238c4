using System.Numerics.Tensors;

namespace FaceParse.Tensors;

/// <summary>How a loss combines per-element values (torch's reduction='mean' | 'sum' | 'none').</summary>
public enum Reduction
{
    Mean,
    Sum,
    None,
}

// Segmentation losses: torch.nn.functional.cross_entropy (fused log-softmax + NLL + label smoothing) and a soft Dice loss.
public sealed partial class Tensor
{
    /// <summary>torch.nn.functional.cross_entropy(logits, target, weight, ignore_index, reduction, label_smoothing).</summary>
    /// <remarks>Per position with target t ≠ ignore: ℓ = −(1−ε)·w[t]·log p[t] − (ε/C)·Σ_c w[c]·log p[c] (0 at ignored
    /// positions). Mean divides Σℓ by Σ w[t] over non-ignored positions (their count when unweighted), so an
    /// all-ignored batch gives NaN exactly as torch does. Backward: dlogit[c] = s·(p[c]·Σq − q[c]) with
    /// q[c] = (1−ε)·w[t]·[c = t] + (ε/C)·w[c] and s the reduction's scale.</remarks>
    public static Tensor CrossEntropy(Tensor logits, IntTensor target, Tensor? classWeights = null, int ignoreIndex = -100, float labelSmoothing = 0f, Reduction reduction = Reduction.Mean) // logits[N, C, *], target[N, *] → [] or [N, *]
    {
        if (logits.Rank < 2) throw new ArgumentException($"cross_entropy: logits {Shapes.Format(logits._shape)} need [N, C, *].");
        int n = logits._shape[0], c = logits._shape[1], s = logits.Count / Math.Max(n * c, 1);
        int[] targetShape = [n, .. logits._shape[2..]];
        if (!Shapes.Equal(target.Shape.ToArray(), targetShape))
            throw new ArgumentException($"cross_entropy: target {Shapes.Format(target.Shape)} does not match logits {Shapes.Format(logits._shape)} (expected {Shapes.Format(targetShape)}).");
        if (!(labelSmoothing >= 0f && labelSmoothing <= 1f)) throw new ArgumentException($"cross_entropy: label_smoothing {labelSmoothing} is not in [0, 1].");
        float[] w = logits.AffineParameter(classWeights, c, "cross_entropy", "weight") ?? Enumerable.Repeat(1f, c).ToArray();
        int[] t = target.Data;
        for (int i = 0; i < t.Length; i++)
            if (t[i] != ignoreIndex && (uint)t[i] >= (uint)c)
                throw new ArgumentException($"cross_entropy: target {t[i]} at {i} is outside [0, {c}) for logits {Shapes.Format(logits._shape)}.");

        var l = new AxisLayout(n, c, s, 1);
        var x = logits.Contiguous();
        var logp = Empty(logits._shape)._data; // pooled: kept for backward, returned with the caller's scope
        SoftmaxForward(x._data, x.Offset, l, logp, log: true);
        float eps = labelSmoothing, smooth = eps / c, sumW = TensorPrimitives.Sum(w);
        var loss = new float[n * s];
        double denominator = 0;
        var acc = new float[s];
        for (int ni = 0; ni < n; ni++)
        {
            acc.AsSpan().Clear();
            if (eps > 0)
                for (int ci = 0; ci < c; ci++) TensorPrimitives.MultiplyAdd(logp.AsSpan((ni * c + ci) * s, s), w[ci], acc, acc);
            for (int si = 0; si < s; si++)
            {
                int ti = t[ni * s + si];
                if (ti == ignoreIndex) continue;
                loss[ni * s + si] = -(1 - eps) * w[ti] * logp[(ni * c + ti) * s + si] - smooth * acc[si];
                denominator += w[ti];
            }
        }
        Tensor result = reduction switch
        {
            Reduction.None => FromArray(loss, targetShape),
            Reduction.Sum => Scalar((float)loss.Sum(v => (double)v)),
            _ => Scalar((float)(loss.Sum(v => (double)v) / denominator)),
        };
        return result.Record("cross_entropy", [logits], g =>
        {
            float[] gd = g.ToArray();
            var dx = Empty(logits._shape);
            float[] dd = dx._data;
            var scale = new float[s];
            for (int ni = 0; ni < n; ni++)
            {
                for (int si = 0; si < s; si++)
                {
                    int ti = t[ni * s + si];
                    scale[si] = ti == ignoreIndex ? 0f : reduction switch
                    {
                        Reduction.None => gd[ni * s + si],
                        Reduction.Sum => gd[0],
                        _ => (float)(gd[0] / denominator),
                    };
                    acc[si] = ti == ignoreIndex ? 0f : scale[si] * ((1 - eps) * w[ti] + smooth * sumW); // s·Σq
                }
                for (int ci = 0; ci < c; ci++)
                {
                    var d = dd.AsSpan((ni * c + ci) * s, s);
                    TensorPrimitives.Exp(logp.AsSpan((ni * c + ci) * s, s), d);
                    TensorPrimitives.Multiply(d, acc, d);
                    TensorPrimitives.MultiplyAdd(scale, -smooth * w[ci], d, d);
                }
                for (int si = 0; si < s; si++)
                {
                    int ti = t[ni * s + si];
                    if (ti != ignoreIndex) dd[(ni * c + ti) * s + si] -= scale[si] * (1 - eps) * w[ti];
                }
            }
            logits.AccumulateGrad(dx);
        });
    }

    /// <summary>Soft Dice loss as in SegFace: softmax over C against the one-hot target; per class the intersection
    /// I = Σ p·t and the sums Σp, Σt run over the whole batch and all pixels; dice = (2I + smooth)/(Σp + Σt + smooth);
    /// loss = 1 − mean over all classes (background included). Pixels labelled <paramref name="ignoreIndex"/> are
    /// left out of every sum. Built from differentiable ops. With <paramref name="squaredSums"/> the denominator sums
    /// squares, Σp² + Σt² (SegFace's loss/dice_loss.py: z_sum = Σ score², y_sum = Σ target²).</summary>
    public static Tensor DiceLoss(Tensor logits, IntTensor target, float smooth = 1e-5f, int ignoreIndex = -100, bool squaredSums = false) // logits[N, C, *], target[N, *] → []
    {
        if (logits.Rank < 2) throw new ArgumentException($"dice_loss: logits {Shapes.Format(logits._shape)} need [N, C, *].");
        int n = logits._shape[0], c = logits._shape[1], s = logits.Count / Math.Max(n * c, 1);
        int[] targetShape = [n, .. logits._shape[2..]];
        if (!Shapes.Equal(target.Shape.ToArray(), targetShape))
            throw new ArgumentException($"dice_loss: target {Shapes.Format(target.Shape)} does not match logits {Shapes.Format(logits._shape)} (expected {Shapes.Format(targetShape)}).");
        int[] maskShape = [n, 1, .. logits._shape[2..]];
        var mask = Zeros(maskShape);
        var oneHot = Zeros(logits._shape);
        Span<float> m = mask.Span, oh = oneHot.Span;
        for (int ni = 0; ni < n; ni++)
            for (int si = 0; si < s; si++)
            {
                int ti = target.Data[ni * s + si];
                if (ti == ignoreIndex) continue;
                if ((uint)ti >= (uint)c) throw new ArgumentException($"dice_loss: target {ti} is outside [0, {c}) for logits {Shapes.Format(logits._shape)}.");
                m[ni * s + si] = 1f;
                oh[(ni * c + ti) * s + si] = 1f;
            }
        int[] axes = [0, .. Enumerable.Range(2, logits.Rank - 2)];
        var p = logits.Softmax(1).Mul(mask);
        var intersection = p.Mul(oneHot).Sum(axes);
        var pSum = squaredSums ? p.Square().Sum(axes) : p.Sum(axes); // one-hot: Σt² = Σt
        var dice = intersection.Mul(2f).Add(smooth).Div(pSum.Add(oneHot.Sum(axes)).Add(smooth));
        return dice.Mean().Neg().Add(1f);
    }
}
