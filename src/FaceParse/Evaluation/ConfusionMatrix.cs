using System.Buffers;

namespace FaceParse.Evaluation;

/// <summary>A confusion matrix accumulated over a whole evaluation set: entry [g, p] = number of pixels with ground truth g
/// predicted as p. Pixels whose ground truth is the ignore label are skipped.</summary>
/// <remarks>Thread-safe: <see cref="Add"/> counts one image into a private buffer and merges it under a lock, so many threads
/// may add images to one matrix; <see cref="Merge"/> adds a whole per-thread matrix the same way. Counts are 64-bit.</remarks>
public sealed class ConfusionMatrix
{
    private readonly long[] _counts;
    private readonly Lock _gate = new();

    public ConfusionMatrix(int numClasses, int ignoreLabel = 255)
    {
        if (numClasses is < 1 or > 256) throw new ArgumentOutOfRangeException(nameof(numClasses), "1..256 classes.");
        if (ignoreLabel is >= 0 and < 256 && ignoreLabel < numClasses)
            throw new ArgumentException($"The ignore label {ignoreLabel} is a class id (0..{numClasses - 1}).", nameof(ignoreLabel));
        NumClasses = numClasses;
        IgnoreLabel = ignoreLabel;
        _counts = new long[numClasses * numClasses];
    }

    public int NumClasses { get; }
    /// <summary>Ground-truth value that is skipped (any value outside 0..255 disables ignoring).</summary>
    public int IgnoreLabel { get; }

    /// <summary>Pixels of ground-truth class <paramref name="gt"/> predicted as <paramref name="pred"/>.</summary>
    public long this[int gt, int pred]
    {
        get { lock (_gate) return _counts[gt * NumClasses + pred]; }
    }

    /// <summary>Total counted pixels.</summary>
    public long Total { get { lock (_gate) return _counts.Sum(); } }

    /// <summary>Counts one image (or any batch of pixels). Shape: gt [N], pred [N] → matrix += counts.</summary>
    /// <exception cref="ArgumentException">Lengths differ, or a ground-truth / predicted value is not a class id (the
    /// ignore label excepted for ground truth).</exception>
    public void Add(ReadOnlySpan<byte> gt, ReadOnlySpan<byte> pred)
    {
        if (gt.Length != pred.Length) throw new ArgumentException($"Ground truth has {gt.Length} pixels, prediction {pred.Length}.");
        int n = NumClasses;
        var local = ArrayPool<long>.Shared.Rent(n * n);
        try
        {
            Array.Clear(local, 0, n * n);
            for (int i = 0; i < gt.Length; i++)
            {
                int g = gt[i];
                if (g == IgnoreLabel) continue;
                int p = pred[i];
                if (g >= n) throw new ArgumentException($"Ground-truth value {g} at pixel {i} is not a class id (0..{n - 1}) nor the ignore label {IgnoreLabel}.");
                if (p >= n) throw new ArgumentException($"Predicted value {p} at pixel {i} is not a class id (0..{n - 1}).");
                local[g * n + p]++;
            }
            AddCounts(local.AsSpan(0, n * n));
        }
        finally
        {
            ArrayPool<long>.Shared.Return(local);
        }
    }

    /// <summary>Adds another matrix (e.g. one filled by a worker thread). Shape: [C, C] += [C, C].</summary>
    public void Merge(ConfusionMatrix other)
    {
        if (other.NumClasses != NumClasses) throw new ArgumentException($"Cannot merge a {other.NumClasses}-class matrix into a {NumClasses}-class one.");
        if (ReferenceEquals(other, this)) throw new ArgumentException("Cannot merge a matrix into itself.");
        AddCounts(other.ToArray());
    }

    /// <summary>Row-major copy of the counts, [gt * NumClasses + pred].</summary>
    public long[] ToArray()
    {
        lock (_gate) return (long[])_counts.Clone();
    }

    /// <summary>A matrix with these counts (row-major, [gt * numClasses + pred]), e.g. read back from a file.</summary>
    public static ConfusionMatrix FromCounts(int numClasses, ReadOnlySpan<long> counts, int ignoreLabel = 255)
    {
        var m = new ConfusionMatrix(numClasses, ignoreLabel);
        if (counts.Length != numClasses * numClasses) throw new ArgumentException($"Expected {numClasses * numClasses} counts, got {counts.Length}.");
        foreach (long c in counts)
        {
            if (c < 0) throw new ArgumentException("Counts must be non-negative.", nameof(counts));
        }
        m.AddCounts(counts);
        return m;
    }

    /// <summary>Empties the matrix.</summary>
    public void Clear()
    {
        lock (_gate) Array.Clear(_counts);
    }

    private void AddCounts(ReadOnlySpan<long> counts)
    {
        lock (_gate)
        {
            for (int i = 0; i < counts.Length; i++) _counts[i] += counts[i];
        }
    }
}
