using System.Collections.Concurrent;

namespace FaceParse.Data;

/// <summary>The result of validating a whole dataset up front.</summary>
public sealed class DatasetValidation
{
    private DatasetValidation(FaceParsingDataset dataset, IReadOnlyList<DatasetException> errors,
        IReadOnlyDictionary<(int Width, int Height), int> maskSizes, long[]? histogram, int imagesChecked)
    {
        Dataset = dataset;
        Errors = errors;
        MaskSizes = maskSizes;
        ClassPixels = histogram;
        ImagesChecked = imagesChecked;
    }

    public FaceParsingDataset Dataset { get; }
    /// <summary>Every problem found, in sample order.</summary>
    public IReadOnlyList<DatasetException> Errors { get; }
    public bool IsValid => Errors.Count == 0;
    /// <summary>Mask size → number of samples.</summary>
    public IReadOnlyDictionary<(int Width, int Height), int> MaskSizes { get; }
    /// <summary>Pixels per mask value (256 entries) when masks were decoded, else null.</summary>
    public IReadOnlyList<long>? ClassPixels { get; }
    /// <summary>Images whose size could be read from the header and compared with the mask.</summary>
    public int ImagesChecked { get; }

    /// <summary>Largest mask value seen (255 = ignore counts), or -1 when masks were not decoded.</summary>
    public int MaxLabel => ClassPixels is null ? -1 : Enumerable.Range(0, 256).LastOrDefault(v => ClassPixels[v] > 0, -1);

    /// <summary>Throws when any problem was found: the first problem's exception type, with a message listing up to 10 problems.</summary>
    public void ThrowIfInvalid()
    {
        if (IsValid) return;
        var first = Errors[0];
        string message = $"{Errors.Count} problem(s) in {Dataset}:{Environment.NewLine} - " +
            string.Join(Environment.NewLine + " - ", Errors.Take(10).Select(e => e.Message)) + (Errors.Count > 10 ? $"{Environment.NewLine} ..." : "");
        throw first is DatasetLayoutException
            ? new DatasetLayoutException(message, first.Path, first)
            : new DatasetContentException(message, first.Path, first);
    }

    internal static DatasetValidation Run(FaceParsingDataset dataset, IImageDecoder? decoder, bool decodeMasks, int parallelism)
    {
        var errors = new ConcurrentDictionary<int, DatasetException>();
        var sizes = new ConcurrentDictionary<(int, int), int>();
        long[]? histogram = decodeMasks ? new long[256] : null;
        int imagesChecked = 0;
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism) };
        Parallel.For(0, dataset.Count, options, () => decodeMasks ? new long[256] : null, (i, _, local) =>
        {
            var sample = dataset.Samples[i];
            try
            {
                var (w, h) = dataset.ReadMaskSize(sample);
                sizes.AddOrUpdate((w, h), 1, (_, n) => n + 1);
                if (decoder?.ReadSize(sample.ImagePath) is var (iw, ih))
                {
                    dataset.CheckSizes(sample, iw, ih, w, h);
                    Interlocked.Increment(ref imagesChecked);
                }
                if (local is not null)
                {
                    foreach (byte v in dataset.LoadMask(sample).Labels) local[v]++;
                }
            }
            catch (DatasetException e)
            {
                errors[i] = e;
            }
            catch (IOException e)
            {
                errors[i] = new DatasetLayoutException($"{sample.Stem}: cannot read its files ({e.Message}).", sample.MaskPath, e);
            }
            return local;
        }, local =>
        {
            if (local is null || histogram is null) return;
            lock (histogram)
            {
                for (int v = 0; v < 256; v++) histogram[v] += local[v];
            }
        });
        var ordered = errors.OrderBy(e => e.Key).Select(e => e.Value).ToList();
        return new DatasetValidation(dataset, ordered, new Dictionary<(int, int), int>(sizes), histogram, imagesChecked);
    }
}
