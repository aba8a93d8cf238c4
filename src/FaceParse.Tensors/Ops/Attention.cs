namespace FaceParse.Tensors;

// torch.nn.functional.scaled_dot_product_attention, composed from matmul (k passed transposed, no copy) and softmax,
// so its backward is theirs.
public sealed partial class Tensor
{
    /// <summary>torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask, scale): softmax(q·kᵀ·scale + mask)·v
    /// with scale = 1/√d by default. <paramref name="mask"/> is additive (a float mask broadcastable to [..., Lq, Lk];
    /// −∞ entries exclude keys). Batch dimensions broadcast as in matmul.</summary>
    public static Tensor ScaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor? mask = null, float? scale = null) // q[..., Lq, d], k[..., Lk, d], v[..., Lk, dv] → [..., Lq, dv]
    {
        if (q.Rank < 2 || k.Rank < 2 || v.Rank < 2 || q._shape[^1] != k._shape[^1] || k._shape[^2] != v._shape[^2])
            throw new ArgumentException($"scaled_dot_product_attention: q {Shapes.Format(q._shape)}, k {Shapes.Format(k._shape)}, v {Shapes.Format(v._shape)} do not fit [..., Lq, d], [..., Lk, d], [..., Lk, dv].");
        float s = scale ?? 1f / MathF.Sqrt(q._shape[^1]);
        // In a training step (a releasing TensorScope) each score tensor goes back to the pool as soon as the next op has
        // read it: matmul's and the scaling's backward need their inputs' shapes only, softmax's its output (PyTorch frees
        // them too); at 16,384 image tokens × 19 class tokens × 8 heads they are 10 MB per image each.
        var raw = q.MatMul(k.Transpose(-2, -1));
        var scores = raw.Mul(s);
        TensorScope.ReleaseNow(raw);
        if (mask is not null)
        {
            try { Shapes.Broadcast(scores._shape, mask._shape); }
            catch (ArgumentException) { throw new ArgumentException($"scaled_dot_product_attention: mask {Shapes.Format(mask._shape)} does not broadcast to scores {Shapes.Format(scores._shape)}."); }
            var masked = scores.Add(mask);
            TensorScope.ReleaseNow(scores);
            scores = masked;
        }
        var probabilities = scores.Softmax(-1);
        TensorScope.ReleaseNow(scores);
        return probabilities.MatMul(v);
    }
}
