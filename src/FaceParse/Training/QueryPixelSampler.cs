using FaceParse.Tensors;

namespace FaceParse.Training;

/// <summary>Query pixels drawn for LIIF-style training: per image Q pixels, their coordinates and their labels.</summary>
/// <param name="Pixels">[N, Q, 2] integer (row, column) of each query.</param>
/// <param name="Coordinates">[N, Q, 2] (y, x) pixel centres in [-1, 1]: c = −1 + (2i + 1)/n per axis (SPEC §4, LIIF).</param>
/// <param name="Labels">[N, Q] the label at each query (class id or 255 = ignore).</param>
internal sealed record QuerySample(IntTensor Pixels, Tensor Coordinates, IntTensor Labels)
{
    public int Queries => Labels.Dim(1);
}

/// <summary>Draws a random subset of query pixels per image, as LIIF trains on (SPEC §4): the decoder then runs on Q pixels
/// instead of H·W.</summary>
/// <remarks>With Q ≤ H·W the pixels of one image are distinct (a sparse partial Fisher–Yates, O(Q) time and memory); with
/// Q &gt; H·W they are drawn with replacement. Images are drawn one after another from the given generator, so the result is a
/// pure function of its state.</remarks>
internal static class QueryPixelSampler
{
    // labels [N, H, W] → pixels [N, Q, 2], coordinates [N, Q, 2], labels [N, Q]
    public static QuerySample Sample(IntTensor labels, int queries, Xoshiro256 rng)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(rng);
        if (labels.Rank != 3) throw new ArgumentException($"Labels must be [N, H, W], got rank {labels.Rank}.");
        if (queries < 1) throw new ArgumentOutOfRangeException(nameof(queries), $"Need at least one query, got {queries}.");
        int n = labels.Dim(0), h = labels.Dim(1), w = labels.Dim(2), plane = h * w;
        var pixels = new int[n * queries * 2];
        var coords = new float[n * queries * 2];
        var gathered = new int[n * queries];
        var src = labels.Data;
        for (int b = 0; b < n; b++)
        {
            var chosen = queries <= plane ? Distinct(plane, queries, rng) : WithReplacement(plane, queries, rng);
            for (int q = 0; q < queries; q++)
            {
                int p = chosen[q], y = p / w, x = p % w, o = (b * queries + q) * 2;
                (pixels[o], pixels[o + 1]) = (y, x);
                (coords[o], coords[o + 1]) = (Centre(y, h), Centre(x, w));
                gathered[b * queries + q] = src[b * plane + p];
            }
        }
        return new QuerySample(new IntTensor(pixels, n, queries, 2), Tensor.FromArray(coords, n, queries, 2), new IntTensor(gathered, n, queries));
    }

    /// <summary>LIIF pixel-centre coordinate of index <paramref name="i"/> of <paramref name="n"/>: −1 + (2i + 1)/n.</summary>
    public static float Centre(int i, int n) => -1f + (2f * i + 1f) / n;

    // count distinct values of [0, range): the first `count` steps of Fisher–Yates over a virtual identity array
    private static int[] Distinct(int range, int count, Xoshiro256 rng)
    {
        var swapped = new Dictionary<int, int>(count);
        var result = new int[count];
        for (int i = 0; i < count; i++)
        {
            int j = i + rng.Next(range - i);
            int atJ = swapped.TryGetValue(j, out int v) ? v : j;
            int atI = swapped.TryGetValue(i, out int u) ? u : i;
            swapped[j] = atI;
            result[i] = atJ;
        }
        return result;
    }

    private static int[] WithReplacement(int range, int count, Xoshiro256 rng)
    {
        var result = new int[count];
        for (int i = 0; i < count; i++) result[i] = rng.Next(range);
        return result;
    }
}
