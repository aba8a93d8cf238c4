using FaceParse.Imaging;

namespace FaceParse.Detection;

/// <summary>MTCNN's input sampling: a rectangle of an RGB photo, zero outside the photo, resized with PyTorch's 'area'
/// interpolation (adaptive_avg_pool2d bins ⌊i·n/m⌋ … ⌈(i+1)·n/m⌉) and normalised to (x − 127.5)/128.</summary>
/// <remarks>Zero padding is what the original MTCNN does for boxes that cross the border; facenet-pytorch instead clips the
/// box to the photo and stretches the clipped part to the full input, which shifts the landmarks of edge faces.
/// Integer sums keep the averages exact; each output row sums its rows' prefix sums over the column bins, so the cost is
/// O((h + outH)·(w + outW)) and the memory two rows.</remarks>
internal static class AreaCrop
{
    public const float Mean = 127.5f;
    public const float Scale = 0.0078125f;

    /// <summary>The rectangle (x0, y0, width, height) of <paramref name="rgb"/> (3 channels) as a normalised
    /// [3, outH, outW] block written to <paramref name="destination"/>.</summary>
    // rgb [H, W, 3] bytes, rectangle → destination [3, outH, outW] floats
    public static void Sample(Image rgb, int x0, int y0, int width, int height, int outW, int outH, Span<float> destination)
    {
        if (rgb.Channels != 3) throw new ArgumentException("AreaCrop needs an RGB image.", nameof(rgb));
        if (width < 1 || height < 1 || outW < 1 || outH < 1) throw new ArgumentOutOfRangeException(nameof(width), $"Empty crop {width}x{height} → {outW}x{outH}.");
        if (destination.Length < 3 * outW * outH) throw new ArgumentException("Destination too small.", nameof(destination));
        var pool = System.Buffers.ArrayPool<long>.Shared;
        var ints = System.Buffers.ArrayPool<int>.Shared;
        int[] colStart = ints.Rent(outW), colEnd = ints.Rent(outW);
        long[] prefix = pool.Rent((width + 1) * 3), sums = pool.Rent(outW * 3);
        try
        {
            for (int j = 0; j < outW; j++) (colStart[j], colEnd[j]) = Bin(j, width, outW);
            prefix.AsSpan(0, 3).Clear();
            int plane = outW * outH;
            for (int i = 0; i < outH; i++)
            {
                // sums[j, c]: the rectangle's pixels in row bin i × column bin j; a row shared by two bins is summed for each
                var (rs, re) = Bin(i, height, outH);
                sums.AsSpan(0, outW * 3).Clear();
                for (int r = rs; r < re; r++)
                {
                    int y = y0 + r;
                    if (y < 0 || y >= rgb.Height) continue; // outside the photo: zeros
                    RowPrefix(rgb, y, x0, width, prefix);
                    for (int j = 0; j < outW; j++)
                        for (int c = 0; c < 3; c++) sums[j * 3 + c] += prefix[colEnd[j] * 3 + c] - prefix[colStart[j] * 3 + c];
                }
                for (int j = 0; j < outW; j++)
                {
                    float count = (float)(re - rs) * (colEnd[j] - colStart[j]);
                    for (int c = 0; c < 3; c++) destination[c * plane + i * outW + j] = (sums[j * 3 + c] / count - Mean) * Scale;
                }
            }
        }
        finally
        {
            ints.Return(colStart);
            ints.Return(colEnd);
            pool.Return(prefix);
            pool.Return(sums);
        }
    }

    // prefix[(i + 1)·3 + c]: the sum of channel c over columns x0 … x0 + i of photo row y (zero outside the photo)
    private static void RowPrefix(Image rgb, int y, int x0, int width, long[] prefix)
    {
        byte[] pixels = rgb.Pixels;
        long rowBase = (long)y * rgb.Width * 3;
        for (int i = 0; i < width; i++)
        {
            int x = x0 + i;
            bool inside = x >= 0 && x < rgb.Width;
            for (int c = 0; c < 3; c++)
                prefix[(i + 1) * 3 + c] = prefix[i * 3 + c] + (inside ? pixels[rowBase + x * 3 + c] : 0);
        }
    }

    /// <summary>adaptive_avg_pool2d's bin of output <paramref name="index"/>: [⌊i·n/m⌋, ⌈(i+1)·n/m⌉).</summary>
    public static (int Start, int End) Bin(int index, int inSize, int outSize) =>
        ((int)((long)index * inSize / outSize), (int)(((long)(index + 1) * inSize + outSize - 1) / outSize));
}
