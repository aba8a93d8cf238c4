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
        var scores = q.MatMul(k.Transpose(-2, -1)).Mul(s);
        if (mask is not null)
        {
            try { Shapes.Broadcast(scores._shape, mask._shape); }
            catch (ArgumentException) { throw new ArgumentException($"scaled_dot_product_attention: mask {Shapes.Format(mask._shape)} does not broadcast to scores {Shapes.Format(scores._shape)}."); }
            scores = scores.Add(mask);
        }
        return scores.Softmax(-1).MatMul(v);
    }
}
