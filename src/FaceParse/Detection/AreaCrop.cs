using FaceParse.Imaging;

namespace FaceParse.Detection;

/// <summary>MTCNN's input sampling: a rectangle of an RGB photo, zero outside the photo, resized with PyTorch's 'area'
/// interpolation (adaptive_avg_pool2d bins ⌊i·n/m⌋ … ⌈(i+1)·n/m⌉) and normalised to (x − 127.5)/128.</summary>
/// <remarks>Zero padding is what the original MTCNN does for boxes that cross the border; facenet-pytorch instead clips the
/// box to the photo and stretches the clipped part to the full input, which shifts the landmarks of edge faces.
/// Integer sums keep the averages exact; the pixel sums of each row are prefix sums, so the cost is O(w·h + h·outW).</remarks>
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
        var colStart = new int[outW];
        var colEnd = new int[outW];
        for (int j = 0; j < outW; j++) (colStart[j], colEnd[j]) = Bin(j, width, outW);
        // rowSums[r, j, c]: sum of row r of the rectangle over column bin j
        var rowSums = new long[(long)height * outW * 3];
        var prefix = new long[(width + 1) * 3];
        int photoW = rgb.Width, photoH = rgb.Height;
        byte[] pixels = rgb.Pixels;
        for (int r = 0; r < height; r++)
        {
            int y = y0 + r;
            if (y < 0 || y >= photoH) continue;
            long rowBase = (long)y * photoW * 3;
            for (int i = 0; i < width; i++)
            {
                int x = x0 + i;
                bool inside = x >= 0 && x < photoW;
                for (int c = 0; c < 3; c++)
                    prefix[(i + 1) * 3 + c] = prefix[i * 3 + c] + (inside ? pixels[rowBase + x * 3 + c] : 0);
            }
            long outBase = (long)r * outW * 3;
            for (int j = 0; j < outW; j++)
                for (int c = 0; c < 3; c++)
                    rowSums[outBase + j * 3 + c] = prefix[colEnd[j] * 3 + c] - prefix[colStart[j] * 3 + c];
        }
        int plane = outW * outH;
        for (int i = 0; i < outH; i++)
        {
            var (rs, re) = Bin(i, height, outH);
            for (int j = 0; j < outW; j++)
            {
                float count = (float)(re - rs) * (colEnd[j] - colStart[j]);
                for (int c = 0; c < 3; c++)
                {
                    long sum = 0;
                    for (int r = rs; r < re; r++) sum += rowSums[((long)r * outW + j) * 3 + c];
                    destination[c * plane + i * outW + j] = (sum / count - Mean) * Scale;
                }
            }
        }
    }

    /// <summary>adaptive_avg_pool2d's bin of output <paramref name="index"/>: [⌊i·n/m⌋, ⌈(i+1)·n/m⌉).</summary>
    public static (int Start, int End) Bin(int index, int inSize, int outSize) =>
        ((int)((long)index * inSize / outSize), (int)(((long)(index + 1) * inSize + outSize - 1) / outSize));
}
