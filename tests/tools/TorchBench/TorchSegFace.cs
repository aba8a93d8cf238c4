using TorchReference;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace TorchBench;

/// <summary>SegFace-mobilenet (CelebAMask-HQ, 19 classes) run by libtorch: the official module tree as the reference tool
/// writes it (tests/tools/TorchReference/SegFace.cs, torchvision's mobilenet_v3_large, the official key names), with our
/// model's state dict copied in key by key. The input is normalised with ImageNet's statistics as the official
/// dataloader does; logits come at the network's own resolution (4× the stride-4 tap) and are resized bilinearly
/// (align_corners=False) when another size is asked for, as ours are.</summary>
// x [N, 3, H, W] in [0, 1] → logits [N, 19, outH, outW]
internal sealed class TorchSegFace : ITorchSide
{
    private readonly SegFaceCelebMobileNet _model = new();
    private readonly Tensor _mean = tensor(new[] { 0.485f, 0.456f, 0.406f }).view(1, 3, 1, 1);
    private readonly Tensor _std = tensor(new[] { 0.229f, 0.224f, 0.225f }).view(1, 3, 1, 1);

    public TorchSegFace(IReadOnlyDictionary<string, FaceParse.Tensors.Tensor> state)
    {
        var theirs = StateDictOrder.Of(_model);
        var missing = theirs.Where(e => e.Value.dtype == ScalarType.Float32 && !state.ContainsKey(e.Key)).Select(e => e.Key).ToList();
        var unexpected = state.Keys.Except(theirs.Select(e => e.Key)).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
            throw new InvalidOperationException($"State dicts differ: missing {string.Join(", ", missing.Take(5))}; unexpected {string.Join(", ", unexpected.Take(5))}");
        using (no_grad())
            foreach (var (key, target) in theirs)
            {
                if (target.dtype != ScalarType.Float32) continue; // num_batches_tracked: unused with momentum set
                var source = state[key];
                var shape = source.Shape.ToArray().Select(d => (long)d).ToArray();
                if (!shape.SequenceEqual(target.shape)) throw new InvalidOperationException($"{key}: ours [{string.Join(",", shape)}], theirs [{string.Join(",", target.shape)}]");
                target.copy_(tensor(source.Contiguous().ToArray(), shape));
            }
        _model.eval();
    }

    public Tensor Forward(Tensor x, int outH, int outW)
    {
        var logits = _model.call((x - _mean) / _std);
        return logits.shape[2] == outH && logits.shape[3] == outW ? logits
            : F.interpolate(logits, size: [outH, outW], mode: InterpolationMode.Bilinear, align_corners: false);
    }

    public Func<double> Trainer(float[] images, int[] labels, int size, int batch, int classes)
    {
        _model.train();
        var optimizer = optim.AdamW(_model.parameters(), lr: 1e-4);
        var x = tensor(images, [batch, 3, size, size]);
        var y = tensor(labels.Select(l => (long)l).ToArray(), [batch, size, size]);
        return () =>
        {
            using var scope = NewDisposeScope();
            var logits = Forward(x, size, size); // [N, K, S, S]
            var ce = F.cross_entropy(logits, y);
            // SegFace's loss/dice_loss.py: softmax against one-hot, sums over batch and pixels, squared sums below
            var p = F.softmax(logits, 1);
            var t = F.one_hot(y, classes).permute(0, 3, 1, 2).to_type(ScalarType.Float32);
            var intersection = (p * t).sum([0, 2, 3]);
            var dice = (2 * intersection + 1e-5) / ((p * p).sum([0, 2, 3]) + (t * t).sum([0, 2, 3]) + 1e-5);
            var loss = 0.5 * ce + 0.5 * (1 - dice.mean());
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            return loss.item<float>();
        };
    }
}

/// <summary>One model on the libtorch side: inference, and a training step on a given batch.</summary>
internal interface ITorchSide
{
    // x [N, 3, H, W] in [0, 1] → logits [N, K, outH, outW]
    Tensor Forward(Tensor x, int outH, int outW);

    // images [batch, 3, size, size] and labels [batch, size, size] flat, as OursTrainer draws them → one step, returns its loss
    Func<double> Trainer(float[] images, int[] labels, int size, int batch, int classes);
}
