using System.Diagnostics;
using System.Runtime;
using FaceParse.Architectures;
using FaceParse.Nn.Optimizers;
using FaceParse.Tensors;
using FaceParse.Tensors.Runtime;

namespace FaceParse.Inference;

/// <summary>What <see cref="ModelBenchmark.Run"/> measures.</summary>
/// <param name="Size">Square input side fed to the network.</param>
/// <param name="OutSize">Square output side the logits are decoded at.</param>
/// <param name="Repeats">Timed inference runs (the median is reported).</param>
public sealed record ModelBenchmarkOptions(int Size, int OutSize, int Repeats = 10)
{
    /// <summary>Untimed inference runs first (JIT, pools, caches).</summary>
    public int Warmup { get; init; } = 2;

    /// <summary>Timed training steps, after one untimed step; 0 skips the training figure.</summary>
    public int TrainSteps { get; init; } = 3;

    public int TrainBatch { get; init; } = 4;

    /// <summary>Data-parallel replicas of the training steps (<see cref="Training.DataParallelStep"/>; 1 = one network on every
    /// kernel thread).</summary>
    public int TrainReplicas { get; init; } = 1;

    /// <summary>Query pixels per image in a training step, for architectures that train on a random subset of pixels (FP-LIIF).</summary>
    public int TrainQueries { get; init; } = 4096;

    internal void Validate()
    {
        if (Size is < 8 or > 4096 || OutSize is < 1 or > 8192) throw new ArgumentOutOfRangeException(nameof(Size), $"Sizes must be 8..4096 (input) and 1..8192 (output), got {Size} and {OutSize}.");
        if (Repeats < 1 || Warmup < 0 || TrainSteps < 0 || TrainBatch < 1 || TrainQueries < 1)
            throw new ArgumentOutOfRangeException(nameof(Repeats), "Repeats, batch and queries must be ≥ 1; warm-up and training steps ≥ 0.");
        if (TrainReplicas < 1 || TrainReplicas > TrainBatch)
            throw new ArgumentOutOfRangeException(nameof(TrainReplicas), $"Training replicas must be 1..batch ({TrainBatch}), got {TrainReplicas}.");
    }
}

/// <summary>Speed of one model on this machine.</summary>
/// <param name="MedianMs">Median wall time of one inference: Forward of one [1, 3, Size, Size] image decoded at
/// OutSize × OutSize, plus the arg-max (no gradient recording, buffers pooled by a TensorScope).</param>
/// <param name="ImagesPerSecond">1000 / <paramref name="MedianMs"/>.</param>
/// <param name="PeakWorkingSetMb">The process's peak working set after the runs (MiB; includes the runtime and the model).</param>
/// <param name="TrainImagesPerSecond">Images per second of training steps (the architecture's training loss + backward + AdamW)
/// on random data; null when no training steps were asked for.</param>
public sealed record ModelBenchmarkResult(string Model, int Size, int OutSize, int Threads, double MedianMs, double ImagesPerSecond,
    double PeakWorkingSetMb, double? TrainImagesPerSecond)
{
    /// <summary>Data-parallel replicas the training figure used.</summary>
    public int TrainReplicas { get; init; } = 1;

    /// <summary>Peak working set of the training phase alone (MiB): the tensor pool emptied and the heap collected after
    /// inference, the kernel's peak reset (<see cref="PeakMemory"/>), then the training steps. It still counts the runtime,
    /// the model and whatever the heap kept. Null without training steps or where the peak cannot be reset (not Linux).</summary>
    public double? TrainPeakWorkingSetMb { get; init; }
}

/// <summary>Measures inference latency, memory and training throughput of a <see cref="SegmentationModel"/>.</summary>
/// <remarks>The training steps update a copy of the weights, so the model passed in is left unchanged.</remarks>
public static class ModelBenchmark
{
    public static ModelBenchmarkResult Run(SegmentationModel model, ModelBenchmarkOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        double median = InferenceMedianMs(model, options);
        long peak = PeakMemory.PeakBytes();
        double? training = null, trainingPeak = null;
        if (options.TrainSteps > 0)
        {
            TensorPool.Clear();
            GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            bool reset = PeakMemory.TryReset();
            training = TrainImagesPerSecond(model, options);
            long trainPeak = PeakMemory.PeakBytes();
            if (reset) trainingPeak = trainPeak / Mib;
            peak = Math.Max(peak, trainPeak);
        }
        return new ModelBenchmarkResult(model.Name, options.Size, options.OutSize, Parallelism.Threads, median, 1000.0 / median,
            peak / Mib, training) { TrainReplicas = options.TrainReplicas, TrainPeakWorkingSetMb = trainingPeak };
    }

    private const double Mib = 1024.0 * 1024.0;

    private static double InferenceMedianMs(SegmentationModel model, ModelBenchmarkOptions options)
    {
        var input = Tensor.Uniform(new Random(1), 0f, 1f, 1, 3, options.Size, options.Size);
        using var noGrad = GradMode.NoGrad();
        var times = new double[options.Repeats];
        for (int i = -options.Warmup; i < options.Repeats; i++)
        {
            long start = Stopwatch.GetTimestamp();
            using (new TensorScope()) model.Forward(input, options.OutSize, options.OutSize).ArgMax(1);
            if (i >= 0) times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(times);
        int n = times.Length;
        return n % 2 == 1 ? times[n / 2] : (times[n / 2 - 1] + times[n / 2]) / 2;
    }

    private static double TrainImagesPerSecond(SegmentationModel model, ModelBenchmarkOptions options)
    {
        var network = model.Clone().Network;
        var replicas = options.TrainReplicas > 1
            ? new Training.DataParallelStep(network, [.. Enumerable.Range(0, options.TrainReplicas).Select(_ => model.Clone().Network)])
            : null;
        var optimizer = new AdamW([new ParamGroup(network.Module.NamedParameters())], lr: 1e-4);
        var context = new TrainingStepContext(seed: 7) { QueriesPerImage = options.TrainQueries };
        var random = new Random(7);
        int n = options.TrainBatch, size = options.Size, classes = model.Labels.Count;
        var images = Tensor.Uniform(random, 0f, 1f, n, 3, size, size);
        var labelData = new int[n * size * size];
        for (int i = 0; i < labelData.Length; i++) labelData[i] = random.Next(classes);
        var labels = new IntTensor(labelData, n, size, size);
        long start = 0;
        for (int step = -1; step < options.TrainSteps; step++)
        {
            if (step == 0) start = Stopwatch.GetTimestamp();
            using var scope = new TensorScope(releaseActivationsInBackward: true); // as the trainer's step
            if (replicas is null) network.TrainingLoss(images, labels, context).Backward();
            else replicas.LossAndGradients(images, labels, context);
            optimizer.Step();
            optimizer.ZeroGrad();
            replicas?.SyncBuffers();
        }
        return n * options.TrainSteps / Stopwatch.GetElapsedTime(start).TotalSeconds;
    }
}
