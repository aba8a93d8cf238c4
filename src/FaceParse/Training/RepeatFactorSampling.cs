using FaceParse.Data;

namespace FaceParse.Training;

/// <summary>Rare-class sampling for training: repeat-factor sampling (Gupta, Dollár, Girshick, "LVIS", CVPR 2019, §4) with the
/// epoch kept at the dataset's length.</summary>
/// <remarks>
/// <para>Class c appears in a fraction f_c of the training masks; image i gets the repeat factor
/// r_i = max over the classes c in its mask of max(1, √(t / f_c)), t the threshold. An image with a class rarer than t is
/// entered more than once.</para>
/// <para>Epoch e enters every image ⌊r_i⌋ times plus once more with probability r_i − ⌊r_i⌋, shuffles that list and keeps its
/// first N entries (N = dataset size), all drawn from <see cref="Xoshiro256.ForEpoch"/>(seed, e): an epoch costs what it costs
/// without rare-class sampling, images with rare classes take a larger share of it, and the order is the same on resume.</para>
/// <para>An entry of the order is a <em>draw</em> d = index + N·k for the k-th copy of an image in the epoch, so copies get
/// different augmentations (<see cref="DataLoader"/> seeds each sample by its draw); without repeats d is the index.</para>
/// </remarks>
internal sealed class RepeatFactorSampling
{
    public RepeatFactorSampling(IReadOnlyList<double> factors)
    {
        ArgumentNullException.ThrowIfNull(factors);
        if (factors.Count == 0 || factors.Any(r => !(r >= 1) || !double.IsFinite(r)))
            throw new ArgumentException("Repeat factors must be finite and ≥ 1, one per image.", nameof(factors));
        Factors = [.. factors];
    }

    /// <summary>r_i per dataset index.</summary>
    public IReadOnlyList<double> Factors { get; }

    /// <summary>r_i = max(1, max_{c ∈ image i} √(t / f_c)) from per-image class presence [image][class].</summary>
    public static double[] FactorsFrom(IReadOnlyList<bool[]> presence, double threshold)
    {
        ArgumentNullException.ThrowIfNull(presence);
        if (!(threshold > 0 && threshold <= 1)) throw new ArgumentException($"Rare-class sampling threshold must be in (0, 1], got {threshold}.", nameof(threshold));
        if (presence.Count == 0) return [];
        int classes = presence[0].Length;
        var images = new int[classes];
        foreach (var row in presence)
        {
            if (row.Length != classes) throw new ArgumentException("Every presence row needs the same number of classes.", nameof(presence));
            for (int c = 0; c < classes; c++) if (row[c]) images[c]++;
        }
        var classFactor = new double[classes];
        for (int c = 0; c < classes; c++)
            classFactor[c] = images[c] == 0 ? 1 : Math.Max(1, Math.Sqrt(threshold / ((double)images[c] / presence.Count)));
        return [.. presence.Select(row => Enumerable.Range(0, classes).Where(c => row[c]).Select(c => classFactor[c]).DefaultIfEmpty(1).Max())];
    }

    /// <summary>Which classes each training mask contains [image][class] (decodes every mask once, in parallel).</summary>
    public static bool[][] Presence(FaceParsingDataset dataset, int maxDegreeOfParallelism)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        int classes = dataset.Labels.Count;
        var result = new bool[dataset.Count][];
        Parallel.For(0, dataset.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, maxDegreeOfParallelism) }, i =>
        {
            var mask = dataset.LoadMask(dataset.Samples[i]);
            var row = new bool[classes];
            foreach (byte v in mask.Labels) if (v < classes) row[v] = true;
            result[i] = row;
        });
        return result;
    }

    /// <summary>The draws of epoch <paramref name="epoch"/>: N entries d = index + N·copy (see the remarks).</summary>
    public int[] EpochDraws(ulong seed, int epoch)
    {
        int n = Factors.Count;
        var rng = Xoshiro256.ForEpoch(seed, epoch);
        var draws = new List<int>(n * 2);
        for (int i = 0; i < n; i++)
        {
            double r = Factors[i];
            int copies = (int)Math.Floor(r) + (rng.NextDouble() < r - Math.Floor(r) ? 1 : 0);
            for (int k = 0; k < copies; k++) draws.Add(i + n * k);
        }
        var all = draws.ToArray();
        rng.Shuffle(all.AsSpan());
        return all[..n];
    }
}
