using FaceParse.Architectures;
using FaceParse.Inference;
using FaceParse.Nn.Optimizers;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using Ours = FaceParse.Tensors;

namespace TorchBench;

/// <summary>FaceParse's training step as `faceparse bench model` times it: the architecture's loss on a fixed random batch
/// (4096 query pixels per image, 0.5·CE + 0.5·Dice), backward inside a scope that releases activations, AdamW.</summary>
internal sealed class OursTrainer
{
    private readonly ParsingNetwork _network;
    private readonly AdamW _optimizer;
    private readonly TrainingStepContext _context = new(seed: 7) { QueriesPerImage = 4096 };
    private readonly Ours.Tensor _images;
    private readonly Ours.IntTensor _labels;

    public OursTrainer(SegmentationModel model, int size, int batch)
    {
        _network = model.Clone().Network;
        _optimizer = new AdamW([new ParamGroup(_network.Module.NamedParameters())], lr: 1e-4);
        (_images, _labels) = Batch(model.Labels.Count, size, batch);
    }

    /// <summary>The fixed random batch both engines train on: images [batch, 3, size, size] in [0, 1], labels [batch, size, size].</summary>
    public static (Ours.Tensor Images, Ours.IntTensor Labels) Batch(int classes, int size, int batch)
    {
        var random = new Random(7);
        var images = Ours.Tensor.Uniform(random, 0f, 1f, batch, 3, size, size);
        var labels = new int[batch * size * size];
        for (int i = 0; i < labels.Length; i++) labels[i] = random.Next(classes);
        return (images, new Ours.IntTensor(labels, batch, size, size));
    }

    public double Step()
    {
        using var scope = new Ours.TensorScope(releaseActivationsInBackward: true);
        var loss = _network.TrainingLoss(_images, _labels, _context);
        double value = loss.ToScalar();
        loss.Backward();
        _optimizer.Step();
        _optimizer.ZeroGrad();
        return value;
    }
}

/// <summary>The same step in libtorch, as a PyTorch user writes it: 4096 distinct query pixels per image (randperm), the
/// literal decoder at their centres, 0.5·cross-entropy + 0.5·soft Dice (softmax against one-hot, sums over the batch,
/// smoothing 1e-5, mean over classes), backward, torch.optim.AdamW.</summary>
internal sealed class TorchTrainer
{
    private readonly TorchFpLiif _model;
    private readonly TorchSharp.Modules.AdamW _optimizer;
    private readonly Tensor _images, _labels;
    private readonly int _size, _classes;
    private const int Queries = 4096;

    public TorchTrainer(TorchFpLiif model, int size, int batch, int classes)
    {
        (_model, _size, _classes) = (model, size, classes);
        _optimizer = optim.AdamW(model.Parameters, lr: 1e-4);
        manual_seed(7);
        _images = rand(batch, 3, size, size);
        _labels = randint(0, classes, [batch, size * size], dtype: ScalarType.Int64);
    }

    public double Step()
    {
        using var scope = NewDisposeScope();
        long n = _images.shape[0], plane = (long)_size * _size;
        var picks = stack(Enumerable.Range(0, (int)n).Select(_ => randperm(plane)[..Queries]).ToArray()); // [N, Q]
        var labels = _labels.gather(1, picks); // [N, Q]
        var y = (div(picks, _size, rounding_mode: RoundingMode.floor).to_type(ScalarType.Float32) * 2 + 1) / _size - 1;
        var x = (remainder(picks, _size).to_type(ScalarType.Float32) * 2 + 1) / _size - 1;
        var (z, g) = _model.Encode(_images);
        var logits = _model.Query(_model.Reduce(z), g, stack([y, x], -1), (2.0 / _size, 2.0 / _size)); // [N, Q, K]
        var ce = F.cross_entropy(logits.permute(0, 2, 1), labels);
        var p = F.softmax(logits, -1);
        var t = F.one_hot(labels, _classes).to_type(ScalarType.Float32);
        var intersection = (p * t).sum([0, 1]);
        var dice = (2 * intersection + 1e-5) / (p.sum([0, 1]) + t.sum([0, 1]) + 1e-5);
        var loss = 0.5 * ce + 0.5 * (1 - dice.mean());
        _optimizer.zero_grad();
        loss.backward();
        _optimizer.step();
        return loss.item<float>();
    }
}
