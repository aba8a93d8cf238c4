using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace TorchBench;

/// <summary>FP-LIIF written the way a PyTorch user writes it, run by libtorch through TorchSharp: functional ops on the
/// same state dict (our PyTorch key names), LIIF's literal decoder (unfold + reduce MLP per latent cell, grid_sample of
/// the reduced latent at the query points, positional encoding from the nearest latent cell, pixel MLP), queried in
/// chunks of output pixels as LIIF's batched_predict does. Only the configurations the presets use: bilinear sampling,
/// LIIF-relative encoding, residual scale 1, a closing conv per group.</summary>
// x [N, 3, H, W] in [0, 1] → logits [N, K, outH, outW]
internal sealed class TorchFpLiif : ITorchSide
{
    private readonly Dictionary<string, TorchSharp.Modules.Parameter> _w;
    private readonly int[] _blocks;
    private readonly int _mlpLayers, _chunk;
    private readonly Tensor _mean, _std;

    public TorchFpLiif(IReadOnlyDictionary<string, FaceParse.Tensors.Tensor> state, int[] blocks, float[] mean, float[] std, int mlpLayers, int chunkPixels)
    {
        _w = state.ToDictionary(kv => kv.Key, kv => new TorchSharp.Modules.Parameter(tensor(kv.Value.ToArray(), kv.Value.Shape.ToArray().Select(d => (long)d).ToArray())));
        (_blocks, _mlpLayers, _chunk) = (blocks, mlpLayers, chunkPixels);
        _mean = tensor(mean).view(1, 3, 1, 1);
        _std = tensor(std).view(1, 3, 1, 1);
    }

    public IEnumerable<TorchSharp.Modules.Parameter> Parameters => _w.Values;

    // FP-LIIF's libtorch step draws its own batch (rand, randint) and its query pixels (randperm): see TorchTrainer
    public Func<double> Trainer(float[] images, int[] labels, int size, int batch, int classes) => new TorchTrainer(this, size, batch, classes).Step;

    private Tensor Conv(Tensor x, string name, long stride = 1) => F.conv2d(x, _w[name + ".weight"], _w[name + ".bias"], strides: [stride, stride], padding: [1, 1]);

    // x [N, 3, H, W] → Z [N, C, H/4, W/4], g [N, C]
    public (Tensor Z, Tensor G) Encode(Tensor x)
    {
        var h = Conv((x - _mean) / _std, "encoder.head");
        for (int gi = 0; gi < _blocks.Length; gi++)
        {
            var t = h;
            for (int b = 0; b < _blocks[gi]; b++)
            {
                string p = $"encoder.groups.{gi}.blocks.{b}";
                t = Conv(F.relu(Conv(t, p + ".conv1")), p + ".conv2") + t;
            }
            h = Conv(t, $"encoder.groups.{gi}.conv") + h;
            if (gi < _blocks.Length - 1) h = Conv(h, $"encoder.down.{gi}", stride: 2);
        }
        return (h, h.mean([2, 3]));
    }

    private Tensor Mlp(Tensor x, string prefix, int layers)
    {
        for (int i = 0; i < layers; i++)
        {
            x = F.linear(x, _w[$"{prefix}.layers.{i}.weight"], _w[$"{prefix}.layers.{i}.bias"]);
            if (i < layers - 1) x = F.relu(x);
        }
        return x;
    }

    // Z [N, C, Hf, Wf] → [N, R, Hf, Wf]: 3×3 unfold (channel-major), reduce MLP per latent cell
    public Tensor Reduce(Tensor z)
    {
        long n = z.shape[0], hf = z.shape[2], wf = z.shape[3];
        var cols = F.unfold(z, 3, padding: 1).permute(0, 2, 1); // [N, Hf·Wf, 9C]
        var r = Mlp(cols, "decoder.reduce", 2);
        return r.permute(0, 2, 1).reshape(n, -1, hf, wf);
    }

    // reduced [N, R, Hf, Wf], g [N, C], coords [N, Q, 2] (y, x) pixel centres, cell (y, x) → [N, Q, K]
    public Tensor Query(Tensor reduced, Tensor g, Tensor coords, (double Y, double X) cell)
    {
        long n = reduced.shape[0], hf = reduced.shape[2], wf = reduced.shape[3], q = coords.shape[1];
        var cy = coords[.., .., 0];
        var cx = coords[.., .., 1];
        var grid = stack([cx, cy], -1).unsqueeze(1); // [N, 1, Q, 2] (x, y)
        var feat = F.grid_sample(reduced, grid, mode: GridSampleMode.Bilinear, padding_mode: GridSamplePaddingMode.Border, align_corners: false)
            .view(n, -1, q).permute(0, 2, 1); // [N, Q, R]
        // centre of the latent cell grid_sample 'nearest' picks (round half to even), then LIIF's relative coordinate
        Tensor Nearest(Tensor c, long size)
        {
            var s = c.clamp(-1 + 1e-6, 1 - 1e-6);
            var i = (((s + 1) * size - 1) / 2).round().clamp(0, size - 1);
            return -1 + (2 * i + 1) / size;
        }
        var pe = stack([(cy - Nearest(cy, hf)) * hf, (cx - Nearest(cx, wf)) * wf,
            full_like(cy, cell.Y * hf), full_like(cx, cell.X * wf)], -1); // [N, Q, 4]
        var input = cat([feat, g.unsqueeze(1).expand(n, q, -1), pe], -1);
        return Mlp(input, "decoder.mlp", _mlpLayers);
    }

    // (y, x) pixel centres of an outH × outW grid, rows [r0, r0 + rows) → [rows·outW, 2]
    public static Tensor GridCoords(long outH, long outW, long r0, long rows)
    {
        var y = (arange(r0, r0 + rows, dtype: ScalarType.Float32) * 2 + 1) / outH - 1;
        var x = (arange(0, outW, dtype: ScalarType.Float32) * 2 + 1) / outW - 1;
        var m = meshgrid([y, x], indexing: "ij");
        return stack([m[0], m[1]], -1).view(-1, 2);
    }

    // x [N, 3, H, W] → [N, K, outH, outW], decoded in chunks of whole output rows
    public Tensor Forward(Tensor x, int outH, int outW)
    {
        var (z, g) = Encode(x);
        var reduced = Reduce(z);
        long n = x.shape[0], rowsPerChunk = Math.Max(1, _chunk / outW);
        var parts = new List<Tensor>();
        for (long r0 = 0; r0 < outH; r0 += rowsPerChunk)
        {
            using var scope = NewDisposeScope();
            long rows = Math.Min(rowsPerChunk, outH - r0);
            var coords = GridCoords(outH, outW, r0, rows).unsqueeze(0).expand(n, -1, -1);
            var logits = Query(reduced, g, coords, (2.0 / outH, 2.0 / outW)); // [N, rows·outW, K]
            parts.Add(logits.permute(0, 2, 1).reshape(n, -1, rows, outW).MoveToOuterDisposeScope());
        }
        return cat(parts, 2);
    }
}
