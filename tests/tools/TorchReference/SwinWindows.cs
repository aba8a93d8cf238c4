using TorchSharp;
using static TorchSharp.torch;

namespace TorchReference;

// torchvision swin_transformer.py shifted_window_attention (v1 and v2): pad to whole windows, cyclic shift, partition,
// attention (v1: scaled dot product; v2: cosine with clamp(logit_scale, max=log 100).exp() and the key third of the qkv
// bias zeroed) + relative position bias + the shifted-region mask, reverse, unshift, crop. x[N,H,W,C] -> same
internal static class SwinWindows
{
    // Python slice [start:stop] on a dimension of length len (negative from the end, null = open).
    private static (long, long) PySlice(long? start, long? stop, long len)
    {
        long Norm(long? v, long open) => v is null ? open : Math.Clamp(v.Value < 0 ? v.Value + len : v.Value, 0, len);
        return (Norm(start, 0), Norm(stop, len));
    }

    // relative_position_index[(i, j)] = (dy + w - 1) * (2w - 1) + (dx + w - 1) for tokens i, j of a window (row-major)
    public static Tensor RelativePositionIndex(long window)
    {
        long n = window * window;
        var idx = new long[n * n];
        for (long i = 0; i < n; i++)
            for (long j = 0; j < n; j++)
                idx[i * n + j] = (i / window - j / window + window - 1) * (2 * window - 1) + (i % window - j % window + window - 1);
        return tensor(idx, ScalarType.Int64);
    }

    // torchvision _get_relative_position_bias: table[(2w-1)^2, heads] gathered by the index -> [1, heads, w², w²]
    public static Tensor GatherBias(Tensor table, Tensor index, long window)
    {
        long n = window * window;
        return table[index].view(n, n, -1).permute(2, 0, 1).contiguous().unsqueeze(0);
    }

    public static Tensor Attention(Tensor input, Tensor qkvWeight, Tensor? qkvBias, Tensor projWeight, Tensor? projBias, Tensor bias,
        long window, long shift, long heads, Tensor? logitScale)
    {
        long b = input.shape[0], h = input.shape[1], w = input.shape[2], c = input.shape[3], ws = window;
        long padR = (ws - w % ws) % ws, padB = (ws - h % ws) % ws;
        var x = nn.functional.pad(input, new long[] { 0, 0, 0, padR, 0, padB });
        long pH = x.shape[1], pW = x.shape[2];
        long shiftH = ws >= pH ? 0 : shift, shiftW = ws >= pW ? 0 : shift; // torchvision: no shift if the window covers the map
        bool shifted = shiftH + shiftW > 0;
        if (shifted) x = x.roll(new[] { -shiftH, -shiftW }, new long[] { 1, 2 });
        long nW = pH / ws * (pW / ws), n = ws * ws;
        x = x.view(b, pH / ws, ws, pW / ws, ws, c).permute(0, 1, 3, 2, 4, 5).reshape(b * nW, n, c);
        if (logitScale is not null && qkvBias is not null)
        {
            qkvBias = qkvBias.clone(); // v2: the key third of the bias is zeroed on every call
            long length = qkvBias.numel() / 3;
            qkvBias[TensorIndex.Slice(length, 2 * length)] = zeros(length);
        }
        var qkvOut = nn.functional.linear(x, qkvWeight, qkvBias).reshape(x.shape[0], n, 3, heads, c / heads).permute(2, 0, 3, 1, 4);
        var q = qkvOut[0];
        var k = qkvOut[1];
        var v = qkvOut[2];
        Tensor attn;
        if (logitScale is not null) // v2: cosine attention with a learnt, clamped logit scale
            attn = nn.functional.normalize(q, p: 2, dim: -1).matmul(nn.functional.normalize(k, p: 2, dim: -1).transpose(-2, -1))
                   * logitScale.clamp(max: Math.Log(100.0)).exp();
        else
            attn = (q * Math.Pow(c / heads, -0.5)).matmul(k.transpose(-2, -1));
        attn = attn + bias;
        if (shifted)
        {
            var mask = zeros(pH, pW);
            var hs = new[] { PySlice(0, -ws, pH), PySlice(-ws, -shiftH, pH), PySlice(-shiftH, null, pH) };
            var wsl = new[] { PySlice(0, -ws, pW), PySlice(-ws, -shiftW, pW), PySlice(-shiftW, null, pW) };
            int count = 0;
            foreach (var (h0, h1) in hs)
                foreach (var (w0, w1) in wsl)
                {
                    if (h1 > h0 && w1 > w0) mask[TensorIndex.Slice(h0, h1), TensorIndex.Slice(w0, w1)] = tensor((float)count);
                    count++;
                }
            mask = mask.view(pH / ws, ws, pW / ws, ws).permute(0, 2, 1, 3).reshape(nW, n);
            mask = mask.unsqueeze(1) - mask.unsqueeze(2);
            mask = mask.masked_fill(mask != 0, -100.0f).masked_fill(mask == 0, 0.0f);
            attn = attn.view(x.shape[0] / nW, nW, heads, n, n) + mask.unsqueeze(1).unsqueeze(0);
            attn = attn.view(-1, heads, n, n);
        }
        attn = softmax(attn, -1);
        x = attn.matmul(v).transpose(1, 2).reshape(x.shape[0], n, c);
        x = nn.functional.linear(x, projWeight, projBias);
        x = x.view(b, pH / ws, pW / ws, ws, ws, c).permute(0, 1, 3, 2, 4, 5).reshape(b, pH, pW, c);
        if (shifted) x = x.roll(new[] { shiftH, shiftW }, new long[] { 1, 2 });
        return x[.., TensorIndex.Slice(0, h), TensorIndex.Slice(0, w), ..].contiguous();
    }
}
