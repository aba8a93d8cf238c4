using System.Runtime.CompilerServices;
using System.Threading.Channels;
using FaceParse.Data;

namespace FaceParse.Training;

/// <summary>How a <see cref="DataLoader"/> batches and prefetches.</summary>
internal sealed record DataLoaderOptions
{
    public int BatchSize { get; init; } = 8;
    /// <summary>Batches decoded concurrently (each by one worker task).</summary>
    public int Workers { get; init; } = 2;
    /// <summary>Finished or in-flight batches queued ahead of the consumer (the channel's bound).</summary>
    public int Prefetch { get; init; } = 4;
    /// <summary>Shuffle the sample order every epoch (from <see cref="Xoshiro256.ForEpoch"/>); off keeps dataset order.</summary>
    public bool Shuffle { get; init; } = true;
    /// <summary>Drop the last, smaller batch (training); keep it for evaluation.</summary>
    public bool DropLast { get; init; } = true;
    /// <summary>Run seed: with the epoch and sample index it fixes the shuffle and every augmentation.</summary>
    public ulong Seed { get; init; }
    public Normalization Normalization { get; init; } = Normalization.ImageNet;
    /// <summary>Rare-class sampling: the epoch order comes from these repeat factors instead of a plain shuffle; null = off.</summary>
    public RepeatFactorSampling? RepeatFactors { get; init; }
}

/// <summary>Loads, augments and batches a dataset in the background while the consumer trains.</summary>
/// <remarks>
/// An epoch's order comes from a generator seeded with (seed, epoch) and each sample's augmentation from
/// <see cref="Xoshiro256.ForSample"/>(seed, epoch, dataset index), so the batches of an epoch are identical whatever the number of
/// workers and however threads are scheduled. Batches are delivered in order through a bounded channel of in-flight loads.
/// A sample that fails to load surfaces to the consumer, in order, as a <see cref="DatasetException"/> naming its files;
/// call <see cref="Validate"/> before training to catch missing or mis-sized masks before the first epoch.
/// </remarks>
internal sealed class DataLoader
{
    public DataLoader(FaceParsingDataset dataset, IImageDecoder decoder, Augmenter augmenter, DataLoaderOptions? options = null)
    {
        Dataset = dataset ?? throw new ArgumentNullException(nameof(dataset));
        Decoder = decoder ?? throw new ArgumentNullException(nameof(decoder));
        Augmenter = augmenter ?? throw new ArgumentNullException(nameof(augmenter));
        Options = options ?? new DataLoaderOptions();
        if (Options.BatchSize < 1 || Options.Workers < 1 || Options.Prefetch < 1)
            throw new ArgumentException($"BatchSize, Workers and Prefetch must be positive, got {Options.BatchSize}, {Options.Workers}, {Options.Prefetch}.");
        if (Options.DropLast && dataset.Count < Options.BatchSize)
            throw new ArgumentException($"{dataset} has fewer samples than one batch of {Options.BatchSize} (DropLast is on).");
        if (Options.RepeatFactors is { } rfs && rfs.Factors.Count != dataset.Count)
            throw new ArgumentException($"{rfs.Factors.Count} repeat factors for {dataset.Count} samples.");
    }

    public FaceParsingDataset Dataset { get; }
    public IImageDecoder Decoder { get; }
    public Augmenter Augmenter { get; }
    public DataLoaderOptions Options { get; }

    public int BatchesPerEpoch => Options.DropLast ? Dataset.Count / Options.BatchSize : (Dataset.Count + Options.BatchSize - 1) / Options.BatchSize;

    /// <summary>Checks every mask (and every image header the decoder can read) up front and throws one
    /// <see cref="DatasetException"/> listing the problems, so a bad file never stops a run mid-epoch.</summary>
    public DatasetValidation Validate(bool decodeMasks = false)
    {
        var result = Dataset.Validate(Decoder, decodeMasks, Options.Workers);
        result.ThrowIfInvalid();
        return result;
    }

    /// <summary>The draws epoch <paramref name="epoch"/> visits, in order: dataset indices, or with rare-class sampling
    /// index + Count·copy (<see cref="RepeatFactorSampling.EpochDraws"/>; the index is draw % Count).</summary>
    public int[] EpochOrder(int epoch)
    {
        if (Options.RepeatFactors is { } rfs) return rfs.EpochDraws(Options.Seed, epoch);
        var order = Enumerable.Range(0, Dataset.Count).ToArray();
        if (Options.Shuffle) Xoshiro256.ForEpoch(Options.Seed, epoch).Shuffle(order.AsSpan());
        return order;
    }

    /// <summary>Loads batch <paramref name="batch"/> of epoch <paramref name="epoch"/> on the calling thread.</summary>
    public TrainingBatch LoadBatch(int epoch, int batch) => LoadBatch(epoch, batch, EpochOrder(epoch));

    private TrainingBatch LoadBatch(int epoch, int batch, int[] order)
    {
        if ((uint)batch >= (uint)BatchesPerEpoch) throw new ArgumentOutOfRangeException(nameof(batch), $"Batch {batch} of {BatchesPerEpoch}.");
        int start = batch * Options.BatchSize, count = Math.Min(Options.BatchSize, order.Length - start);
        var draws = order.AsSpan(start, count).ToArray();
        var indices = draws.Select(d => d % Dataset.Count).ToArray();
        var samples = new AugmentedSample[count];
        for (int i = 0; i < count; i++) samples[i] = LoadSample(epoch, indices[i], draws[i]);
        return SampleBatcher.Batch(samples, Options.Normalization, indices, [.. indices.Select(i => Dataset.Samples[i].Stem)]);
    }

    /// <summary>Decodes and augments one sample, its augmentation drawn from (seed, epoch, <paramref name="draw"/>; default: the
    /// index); any failure becomes a <see cref="DatasetException"/> naming its files.</summary>
    public AugmentedSample LoadSample(int epoch, int index, int? draw = null)
    {
        var sample = Dataset.Samples[index];
        try
        {
            var (image, mask) = Dataset.LoadSample(sample, Decoder);
            return Augmenter.Apply(image, mask, Xoshiro256.ForSample(Options.Seed, epoch, draw ?? index));
        }
        catch (Exception e) when (e is not DatasetException and not OperationCanceledException)
        {
            throw new DatasetContentException($"Sample '{sample.Stem}' (image {sample.ImagePath}, mask {sample.MaskPath}) could not be loaded: " +
                $"{e.GetType().Name}: {e.Message}", sample.ImagePath, e);
        }
    }

    /// <summary>The batches of one epoch, in order, loaded by background workers ahead of the consumer.</summary>
    /// <exception cref="DatasetException">A sample failed to load (thrown when its batch is reached).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async IAsyncEnumerable<TrainingBatch> ReadEpochAsync(int epoch, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var order = EpochOrder(epoch);
        var channel = Channel.CreateBounded<Task<TrainingBatch>>(new BoundedChannelOptions(Options.Prefetch) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producer = Task.Run(() => ProduceAsync(epoch, order, channel.Writer, stop.Token), CancellationToken.None);
        try
        {
            await foreach (var load in channel.Reader.ReadAllAsync(stop.Token).ConfigureAwait(false))
            {
                var batch = await load.ConfigureAwait(false);
                stop.Token.ThrowIfCancellationRequested(); // ReadAllAsync hands out buffered items without checking
                yield return batch;
            }
        }
        finally
        {
            stop.Cancel();
            await producer.ConfigureAwait(false);
        }
    }

    /// <summary>Synchronous form of <see cref="ReadEpochAsync"/> (same order and errors).</summary>
    public IEnumerable<TrainingBatch> ReadEpoch(int epoch, CancellationToken cancellationToken = default) =>
        ReadEpochAsync(epoch, cancellationToken).ToBlockingEnumerable(cancellationToken);

    // Starts batch loads in order, at most Workers at a time, queueing their tasks (bounded) for the reader.
    private async Task ProduceAsync(int epoch, int[] order, ChannelWriter<Task<TrainingBatch>> writer, CancellationToken token)
    {
        var workers = new SemaphoreSlim(Options.Workers); // not disposed: late loads may still release it
        try
        {
            for (int b = 0; b < BatchesPerEpoch; b++)
            {
                await workers.WaitAsync(token).ConfigureAwait(false);
                int batch = b;
                var load = Task.Run(() =>
                {
                    try { return LoadBatch(epoch, batch, order); }
                    finally { workers.Release(); }
                }, CancellationToken.None);
                await writer.WriteAsync(load, token).ConfigureAwait(false);
            }
            writer.TryComplete();
        }
        catch (OperationCanceledException e)
        {
            writer.TryComplete(e);
        }
    }
}
