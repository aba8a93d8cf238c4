using FaceParse.Nn;
using FaceParse.Tensors;

namespace FaceParse.Models.Backbones;

/// <summary>torchvision ShiftedWindowAttention (v1) and ShiftedWindowAttentionV2 (torchvision 0.15 names, as the SegFace
/// checkpoints were written): <c>qkv</c> Linear C → 3C, <c>proj</c> Linear C → C; v1 a learnt
/// <c>relative_position_bias_table</c> [(2w−1)², heads] gathered through the <c>relative_position_index</c> buffer;
/// v2 cosine attention with a learnt <c>logit_scale</c> [heads,1,1] (clamped at ln 100, exponentiated), the continuous
/// position bias <c>cpb_mlp</c> (Linear 2 → 512, ReLU, Linear 512 → heads, no bias) over the log-spaced
/// <c>relative_coords_table</c> buffer, 16·σ(bias), and the key third of the qkv bias held at zero.</summary>
// x[B,H,W,C] -> [B,H,W,C]
public sealed class ShiftedWindowAttention : Module, IModule
{
    private readonly int _window, _shift, _heads;
    private readonly bool _v2;
    private readonly IntTensor _index;

    public ShiftedWindowAttention(VarBuilder vb, int dim, int window, int shift, int heads, bool v2)
    {
        (_window, _shift, _heads, _v2) = (window, shift, heads, v2);
        int n = window * window, t = 2 * window - 1;
        var index = RelativePositionIndex(window);
        _index = new IntTensor(index, n * n);
        if (v2)
        {
            LogitScale = Param(vb, "logit_scale", [heads, 1, 1], Init.Constant(Math.Log(10)));
            CoordsTable = Buffer(vb, "relative_coords_table", [1, t, t, 2], (x, _) => FillCoordsTable(x.Span, window));
        }
        else
        {
            BiasTable = Param(vb, "relative_position_bias_table", [t * t, heads], Init.TruncNormal(0, 0.02));
        }
        Buffer(vb, "relative_position_index", [n * n], (x, _) => { for (int i = 0; i < index.Length; i++) x.Span[i] = index[i]; });
        Qkv = Child(vb, "qkv", v => new Linear(v, dim, 3 * dim));
        Proj = Child(vb, "proj", v => new Linear(v, dim, dim));
        if (v2)
        {
            var cpb = new Slots();
            RegisterModule("cpb_mlp", cpb);
            CpbFc1 = cpb.Add("0", new Linear(vb.Sub("cpb_mlp").Sub(0), 2, 512));
            CpbFc2 = cpb.Add("2", new Linear(vb.Sub("cpb_mlp").Sub(2), 512, heads, bias: false));
            var keyMask = Tensor.Ones(3 * dim);
            keyMask.Span.Slice(dim, dim).Clear();
            KeyBiasMask = keyMask;
            if (Qkv.Bias is { } qb && !vb.IsLoading) qb.Span.Slice(dim, dim).Clear();
        }
    }

    /// <summary>Window side, shift (before the map-size rule), heads and cosine attention (for the ONNX exporter).</summary>
    internal int Window => _window;
    internal int Shift => _shift;
    internal int Heads => _heads;
    internal bool V2 => _v2;

    public Linear Qkv { get; }
    public Linear Proj { get; }
    public Tensor? BiasTable { get; }
    public Tensor? LogitScale { get; }
    public Tensor? CoordsTable { get; }
    public Linear? CpbFc1 { get; }
    public Linear? CpbFc2 { get; }
    internal Tensor? KeyBiasMask { get; }

    public Tensor Forward(Tensor x)
    {
        int b = x.Dim(0), h = x.Dim(1), w = x.Dim(2), c = x.Dim(3), ws = _window, n = ws * ws, d = c / _heads;
        int padR = (ws - w % ws) % ws, padB = (ws - h % ws) % ws;
        if (padR > 0 || padB > 0) x = x.Pad([0, 0, 0, padR, 0, padB]);
        int ph = h + padB, pw = w + padR, nw = (ph / ws) * (pw / ws);
        int sh = ws >= ph ? 0 : _shift, sw = ws >= pw ? 0 : _shift;
        if (sh + sw > 0) x = x.Roll([-sh, -sw], [1, 2]);
        var win = x.WindowPartition(ws, ws);                                              // [B·nW, N, C]
        var bias = Qkv.Bias is { } qb && KeyBiasMask is not null ? qb.Mul(KeyBiasMask) : Qkv.Bias;
        var qkv = Tensor.Linear(win, Qkv.Weight, bias).Reshape(b * nw, n, 3, _heads, d).Permute(2, 0, 3, 1, 4);
        Tensor q = qkv.Narrow(0, 0, 1).Squeeze(0), k = qkv.Narrow(0, 1, 1).Squeeze(0), v = qkv.Narrow(0, 2, 1).Squeeze(0); // [B·nW, heads, N, d]
        Tensor attn;
        if (_v2)
        {
            attn = q.L2Normalize(-1).MatMul(k.L2Normalize(-1).Transpose(-2, -1));
            attn = attn.Mul(LogitScale!.Clamp(max: MathF.Log(100f)).Exp());
        }
        else attn = q.Mul(1f / MathF.Sqrt(d)).MatMul(k.Transpose(-2, -1));
        attn = attn.Add(RelativePositionBias());                                           // [B·nW, heads, N, N]
        if (sh + sw > 0)
        {
            var mask = ShiftMask(ph, pw, ws, sh, sw);                                      // [nW, N, N]
            attn = attn.Reshape(b, nw, _heads, n, n).Add(mask.Unsqueeze(1).Unsqueeze(0)).Reshape(b * nw, _heads, n, n);
        }
        var o = attn.Softmax(-1).MatMul(v).Transpose(1, 2).Reshape(b * nw, n, c);
        x = Proj.Forward(o).WindowReverse(ws, ws, ph, pw);                                 // [B, pH, pW, C]
        if (sh + sw > 0) x = x.Roll([sh, sw], [1, 2]);
        if (padR > 0 || padB > 0) x = x.Narrow(1, 0, h).Narrow(2, 0, w).Contiguous();
        return x;
    }

    /// <summary>The [1, heads, N, N] bias added to the attention logits.</summary>
    public Tensor RelativePositionBias()
    {
        int n = _window * _window;
        var table = _v2 ? CpbFc2!.Forward(CpbFc1!.Forward(CoordsTable!).Relu()).Reshape(-1, _heads) : BiasTable!; // [(2w−1)², heads]
        var bias = table.IndexSelect(0, _index).Reshape(n, n, _heads).Permute(2, 0, 1).Unsqueeze(0);
        return _v2 ? bias.Sigmoid().Mul(16f) : bias;
    }

    // torchvision relative_position_index: (Δy + w − 1)·(2w − 1) + (Δx + w − 1) for every pair of window positions.
    internal static int[] RelativePositionIndex(int w)
    {
        int n = w * w;
        var index = new int[n * n];
        for (int a = 0; a < n; a++)
            for (int c = 0; c < n; c++)
                index[a * n + c] = (a / w - c / w + w - 1) * (2 * w - 1) + (a % w - c % w + w - 1);
        return index;
    }

    // Swin v2 relative_coords_table: sign(t)·log2(|t|+1)/3 with t = 8·Δ/(w − 1), Δ over −(w−1)..(w−1), [1, 2w−1, 2w−1, 2].
    private static void FillCoordsTable(Span<float> table, int w)
    {
        int t = 2 * w - 1;
        for (int i = 0; i < t; i++)
            for (int j = 0; j < t; j++)
            {
                table[(i * t + j) * 2] = Log2Scale((i - (w - 1)) * 8.0 / (w - 1));
                table[(i * t + j) * 2 + 1] = Log2Scale((j - (w - 1)) * 8.0 / (w - 1));
            }
    }

    private static float Log2Scale(double v) => (float)(Math.Sign(v) * Math.Log2(Math.Abs(v) + 1.0) / 3.0);

    // torchvision's shifted-window mask: region ids over the padded map (3×3 slices), −100 between different regions.
    internal static Tensor ShiftMask(int ph, int pw, int ws, int sh, int sw)
    {
        var region = new int[ph * pw];
        for (int y = 0; y < ph; y++)
            for (int x = 0; x < pw; x++)
                region[y * pw + x] = Slice(y, ph, ws, sh) * 3 + Slice(x, pw, ws, sw);
        int nwh = ph / ws, nww = pw / ws, n = ws * ws;
        var mask = Tensor.Zeros(nwh * nww, n, n);
        var m = mask.Span;
        for (int wy = 0; wy < nwh; wy++)
            for (int wx = 0; wx < nww; wx++)
            {
                int win = wy * nww + wx;
                for (int a = 0; a < n; a++)
                    for (int c = 0; c < n; c++)
                    {
                        int ra = region[(wy * ws + a / ws) * pw + wx * ws + a % ws], rc = region[(wy * ws + c / ws) * pw + wx * ws + c % ws];
                        if (ra != rc) m[(win * n + a) * n + c] = -100f;
                    }
            }
        return mask;
    }

    // Which of torchvision's slices (0, −ws), (−ws, −shift), (−shift, None) coordinate i of a size-n axis falls in.
    // With shift 0 the middle slice is empty and the last covers the whole axis (one region).
    private static int Slice(int i, int n, int ws, int shift) => shift == 0 ? 2 : i < n - ws ? 0 : i < n - shift ? 1 : 2;
}
