using FaceParse.Nn;
using FaceParse.Tensors;

namespace FaceParse.Models.SegFace;

/// <summary>SAM's Attention with a downsampled inner width: <c>q_proj</c>, <c>k_proj</c>, <c>v_proj</c> Linear
/// D → D/r, heads split, softmax(q·kᵀ/√d_head)·v, recombined, <c>out_proj</c> Linear D/r → D.</summary>
// q[N,Lq,D], k[N,Lk,D], v[N,Lk,D] -> [N,Lq,D]
public sealed class SamAttention : Module
{
    private readonly int _heads, _inner;

    public SamAttention(VarBuilder vb, int dim, int heads, int downsampleRate = 1)
    {
        (_heads, _inner) = (heads, dim / downsampleRate);
        if (_inner % heads != 0) throw new ArgumentException($"SAM attention: {heads} heads must divide the inner width {_inner}.");
        QProj = Child(vb, "q_proj", v => new Linear(v, dim, _inner));
        KProj = Child(vb, "k_proj", v => new Linear(v, dim, _inner));
        VProj = Child(vb, "v_proj", v => new Linear(v, dim, _inner));
        OutProj = Child(vb, "out_proj", v => new Linear(v, _inner, dim));
    }

    /// <summary>Number of heads (for the ONNX exporter).</summary>
    internal int Heads => _heads;

    public Linear QProj { get; }
    public Linear KProj { get; }
    public Linear VProj { get; }
    public Linear OutProj { get; }

    public Tensor Forward(Tensor q, Tensor k, Tensor v)
    {
        var qh = Split(QProj.Forward(q));
        var kh = Split(KProj.Forward(k));
        var vh = Split(VProj.Forward(v));
        var o = Tensor.ScaledDotProductAttention(qh, kh, vh); // [N,heads,Lq,d]
        int n = o.Dim(0), l = o.Dim(2);
        return OutProj.Forward(o.Transpose(1, 2).Reshape(n, l, _inner));
    }

    // [N,L,inner] -> [N,heads,L,inner/heads]
    private Tensor Split(Tensor x) => x.Reshape(x.Dim(0), x.Dim(1), _heads, _inner / _heads).Transpose(1, 2);
}
