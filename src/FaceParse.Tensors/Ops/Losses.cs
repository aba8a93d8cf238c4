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
    /// left out of every sum. With <paramref name="squaredSums"/> the denominator sums squares, Σp² + Σt² (SegFace's
    /// loss/dice_loss.py: z_sum = Σ score², y_sum = Σ target²; for a one-hot target Σt² = Σt).</summary>
    /// <remarks>One fused op that keeps only the probabilities for backward (a chain of softmax, mask, product, square and
    /// sums kept five tensors of the logits' size). Backward, with D = ΣP + Σt + smooth, N = 2I + smooth and s the upstream
    /// gradient: dL/dp[c] = (s/C)·(N·P'(p[c])/D² − 2·t[c]/D) where P' is 1 or 2p, then through the softmax:
    /// dlogit[c] = p[c]·(dL/dp[c] − Σ_k p[k]·dL/dp[k]); ignored pixels get 0.</remarks>
    public static Tensor DiceLoss(Tensor logits, IntTensor target, float smooth = 1e-5f, int ignoreIndex = -100, bool squaredSums = false) // logits[N, C, *], target[N, *] → []
    {
        if (logits.Rank < 2) throw new ArgumentException($"dice_loss: logits {Shapes.Format(logits._shape)} need [N, C, *].");
        int n = logits._shape[0], c = logits._shape[1], s = logits.Count / Math.Max(n * c, 1);
        int[] targetShape = [n, .. logits._shape[2..]];
        if (!Shapes.Equal(target.Shape.ToArray(), targetShape))
            throw new ArgumentException($"dice_loss: target {Shapes.Format(target.Shape)} does not match logits {Shapes.Format(logits._shape)} (expected {Shapes.Format(targetShape)}).");
        int[] t = target.Data;
        for (int i = 0; i < t.Length; i++)
            if (t[i] != ignoreIndex && (uint)t[i] >= (uint)c)
                throw new ArgumentException($"dice_loss: target {t[i]} is outside [0, {c}) for logits {Shapes.Format(logits._shape)}.");

        var x = logits.Contiguous();
        var p = Empty(logits._shape)._data; // pooled: kept for backward, returned with the caller's scope
        SoftmaxForward(x._data, x.Offset, new AxisLayout(n, c, s, 1), p, log: false);
        double[] inter = new double[c], pSum = new double[c], tSum = new double[c];
        for (int ni = 0; ni < n; ni++)
            for (int si = 0; si < s; si++)
            {
                int ti = t[ni * s + si];
                if (ti == ignoreIndex)
                {
                    for (int ci = 0; ci < c; ci++) p[(ni * c + ci) * s + si] = 0f; // out of every sum, and of backward
                    continue;
                }
                inter[ti] += p[(ni * c + ti) * s + si];
                tSum[ti] += 1;
            }
        for (int ni = 0; ni < n; ni++)
            for (int ci = 0; ci < c; ci++)
            {
                var row = p.AsSpan((ni * c + ci) * s, s);
                pSum[ci] += squaredSums ? TensorPrimitives.SumOfSquares(row) : TensorPrimitives.Sum(row);
            }
        double mean = 0;
        for (int ci = 0; ci < c; ci++) mean += (2 * inter[ci] + smooth) / (pSum[ci] + tSum[ci] + smooth);
        var result = Scalar((float)(1 - mean / c));
        return result.Record("dice_loss", [logits], g =>
        {
            double up = g.ToScalar() / c;
            float[] alpha = new float[c], beta = new float[c]; // dL/dp[c] = alpha[c]·t[c] + beta[c]·q[c], q = p (squared; beta holds P' = 2p's 2) or 1
            for (int ci = 0; ci < c; ci++)
            {
                double d = pSum[ci] + tSum[ci] + smooth, num = 2 * inter[ci] + smooth;
                alpha[ci] = (float)(-up * 2 / d);
                beta[ci] = (float)(up * num / (d * d) * (squaredSums ? 2 : 1));
            }
            var dx = Empty(logits._shape);
            float[] dd = dx._data;
            var dot = new float[s];
            for (int ni = 0; ni < n; ni++)
            {
                // dot = Σ_k p[k]·dL/dp[k] = Σ_k beta[k]·p[k]·q[k] + alpha[t]·p[t], with q = p (squared sums) or 1
                dot.AsSpan().Clear();
                for (int ci = 0; ci < c; ci++)
                {
                    var row = p.AsSpan((ni * c + ci) * s, s);
                    if (squaredSums)
                    {
                        var sq = dd.AsSpan((ni * c + ci) * s, s); // scratch: the row's own slot of dx, overwritten below
                        TensorPrimitives.Multiply(row, row, sq);
                        TensorPrimitives.MultiplyAdd(sq, beta[ci], dot, dot);
                    }
                    else TensorPrimitives.MultiplyAdd(row, beta[ci], dot, dot);
                }
                for (int si = 0; si < s; si++)
                {
                    int ti = t[ni * s + si];
                    if (ti != ignoreIndex) dot[si] += alpha[ti] * p[(ni * c + ti) * s + si];
                }
                for (int ci = 0; ci < c; ci++)
                {
                    var row = p.AsSpan((ni * c + ci) * s, s);
                    var d = dd.AsSpan((ni * c + ci) * s, s);
                    // d = p·(beta·q − dot)
                    if (squaredSums) TensorPrimitives.Multiply(row, beta[ci], d);
                    else d.Fill(beta[ci]);
                    TensorPrimitives.Subtract(d, dot, d);
                    TensorPrimitives.Multiply(d, row, d);
                }
                for (int si = 0; si < s; si++)
                {
                    int ti = t[ni * s + si];
                    if (ti != ignoreIndex) dd[(ni * c + ti) * s + si] += alpha[ti] * p[(ni * c + ti) * s + si];
                }
            }
            logits.AccumulateGrad(dx);
        });
    }
}
