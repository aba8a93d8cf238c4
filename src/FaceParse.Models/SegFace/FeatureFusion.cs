using FaceParse.Nn;
using FaceParse.Tensors;

namespace FaceParse.Models.SegFace;

/// <summary>SegFace's SegfaceMLP (<c>linear_c.i.proj</c>): per tap, flatten, Linear C_i → 256, back to a map.</summary>
// x[N,C,h,w] -> [N,256,h,w]
public sealed class SegfaceMlp : Module, IModule
{
    public SegfaceMlp(VarBuilder vb, int inputDim) => Proj = Child(vb, "proj", v => new Linear(v, inputDim, SegFaceConfig.Dim));

    public Linear Proj { get; }

    // The official flatten → transpose → linear → transpose, computed channels-first as W·x + b per image (the same
    // products with no transposed copies: 10.5 → 1.9 ms for the 24-channel tap at 128², 512 input).
    public Tensor Forward(Tensor x)
    {
        int n = x.Dim(0), c = x.Dim(1), h = x.Dim(2), w = x.Dim(3);
        var t = Proj.Weight.MatMul(x.Reshape(n, c, h * w)); // [256,C]·[N,C,hw] → [N,256,hw]
        if (Proj.Bias is { } b) t = t.Add(b.Reshape(SegFaceConfig.Dim, 1));
        return t.Reshape(n, SegFaceConfig.Dim, h, w);
    }
}

/// <summary>The all-MLP fusion: <c>linear_c</c> per tap, bilinear upsampling (align_corners=False) to the first tap's
/// size, concatenation deepest first, <c>linear_fuse</c> 1×1 conv 1024 → 256 without bias. Registered by the model
/// (keys <c>linear_c.*</c>, <c>linear_fuse.weight</c> at the root).</summary>
internal static class FeatureFusion
{
    // taps[i][N,C_i,h_i,w_i] -> [N,256,h_0,w_0]
    public static Tensor Fuse(IReadOnlyList<Tensor> taps, ModuleList<SegfaceMlp> linearC, Conv2d linearFuse)
    {
        int h0 = taps[0].Dim(2), w0 = taps[0].Dim(3);
        var states = new Tensor[taps.Count];
        for (int i = 0; i < taps.Count; i++)
        {
            var s = linearC[i].Forward(taps[i]);
            if (s.Dim(2) != h0 || s.Dim(3) != w0) s = s.Interpolate(h0, w0, InterpolateMode.Bilinear, alignCorners: false);
            states[taps.Count - 1 - i] = s;
        }
        var fused = Tensor.Concat(states, 1);
        // The states' values are read by nothing now: concat's, interpolate's and the bias add's backward need shapes only,
        // while linear_fuse keeps the concatenation. In a training step they go back to the pool here (134 MB at 512, batch 2).
        foreach (var s in states) TensorScope.ReleaseNow(s);
        return linearFuse.Forward(fused);
    }
}
