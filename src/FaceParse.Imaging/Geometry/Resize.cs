namespace FaceParse.Imaging.Geometry;

/// <summary>Interpolation used when resizing.</summary>
public enum ResizeMode
{
    /// <summary>PyTorch 'nearest' (source = floor(i·in/out)); never blends, safe for label maps.</summary>
    Nearest,
    /// <summary>PyTorch 'bilinear', align_corners=False, antialias=False.</summary>
    Bilinear,
    /// <summary>PyTorch 'bicubic', align_corners=False, antialias=False, A = −0.75, border-clamped taps.</summary>
    Bicubic,
    /// <summary>Area/box averaging: equals adaptive_avg_pool2d / PIL BOX for integer factors, exact coverage weights otherwise.</summary>
    Area,
}

/// <summary>Resizing of interleaved images, float planes and label maps, following PyTorch <c>F.interpolate</c> conventions
/// (align_corners=False, antialias=False; scale = in/out in float32). 8-bit results are rounded to nearest and clamped.</summary>
public static class Resize
{
    public static Image Apply(Image source, int width, int height, ResizeMode mode)
    {
        var result = new Image(width, height, source.Channels);
        if (mode == ResizeMode.Nearest)
        {
            Nearest(source.Pixels, source.Width, source.Height, source.Channels, width, height, result.Pixels);
            return result;
        }
        var floats = new float[source.Pixels.Length];
        for (int i = 0; i < floats.Length; i++) floats[i] = source.Pixels[i];
        var resized = new float[result.Pixels.Length];
        Resample(floats, source.Width, source.Height, source.Channels, width, height, mode, resized);
        for (int i = 0; i < resized.Length; i++) result.Pixels[i] = (byte)Math.Clamp(MathF.Round(resized[i]), 0f, 255f);
        return result;
    }

    // source[h·w·channels] → destination[newH·newW·channels] by copying the PyTorch-'nearest' source pixel (no blending)
    public static void Nearest(ReadOnlySpan<byte> source, int width, int height, int channels, int newWidth, int newHeight, Span<byte> destination)
    {
        CheckSizes(source.Length, width, height, channels, newWidth, newHeight, destination.Length);
        var xs = AxisTaps.NearestIndices(width, newWidth);
        var ys = AxisTaps.NearestIndices(height, newHeight);
        for (int y = 0; y < newHeight; y++)
        {
            var sourceRow = source.Slice(ys[y] * width * channels, width * channels);
            var row = destination.Slice(y * newWidth * channels, newWidth * channels);
            for (int x = 0; x < newWidth; x++) sourceRow.Slice(xs[x] * channels, channels).CopyTo(row[(x * channels)..]);
        }
    }

    /// <summary>Resizes a label map (one class id per byte) with 'nearest'; ids are never blended.</summary>
    public static byte[] Labels(ReadOnlySpan<byte> labels, int width, int height, int newWidth, int newHeight)
    {
        var result = new byte[newWidth * newHeight];
        Nearest(labels, width, height, 1, newWidth, newHeight, result);
        return result;
    }

    // source[h·w·channels] floats → destination[newH·newW·channels], separable (horizontal, then vertical) with the mode's taps
    public static void Resample(ReadOnlySpan<float> source, int width, int height, int channels, int newWidth, int newHeight, ResizeMode mode, Span<float> destination)
    {
        CheckSizes(source.Length, width, height, channels, newWidth, newHeight, destination.Length);
        var xs = TapsFor(mode, width, newWidth);
        var ys = TapsFor(mode, height, newHeight);
        var rows = new float[height * newWidth * channels];
        for (int y = 0; y < height; y++)
            Convolve(source.Slice(y * width * channels, width * channels), channels, xs, rows.AsSpan(y * newWidth * channels, newWidth * channels));
        int stride = newWidth * channels;
        for (int x = 0; x < stride; x++)
            ConvolveColumn(rows.AsSpan(x), stride, ys, newHeight, destination[x..]);
    }

    /// <summary>Planar (CHW) float resize: each of the planes is resized independently.</summary>
    public static void ResamplePlanes(ReadOnlySpan<float> source, int planes, int width, int height, int newWidth, int newHeight, ResizeMode mode, Span<float> destination)
    {
        for (int p = 0; p < planes; p++)
            Resample(source.Slice(p * width * height, width * height), width, height, 1, newWidth, newHeight, mode,
                destination.Slice(p * newWidth * newHeight, newWidth * newHeight));
    }

    private static AxisTaps TapsFor(ResizeMode mode, int inSize, int outSize) => mode switch
    {
        ResizeMode.Nearest => AxisTaps.Nearest(inSize, outSize),
        ResizeMode.Bilinear => AxisTaps.Linear(inSize, outSize),
        ResizeMode.Bicubic => AxisTaps.Cubic(inSize, outSize),
        _ => AxisTaps.Box(inSize, outSize),
    };

    // row[w·channels] → destination[w'·channels]: destination[i,c] = Σ_k weight[i,k] · row[index[i,k], c]
    private static void Convolve(ReadOnlySpan<float> row, int channels, AxisTaps taps, Span<float> destination)
    {
        int outSize = destination.Length / channels;
        for (int i = 0; i < outSize; i++)
            for (int c = 0; c < channels; c++)
            {
                float sum = 0;
                for (int k = 0; k < taps.Taps; k++) sum += taps.Weight[i * taps.Taps + k] * row[taps.Index[i * taps.Taps + k] * channels + c];
                destination[i * channels + c] = sum;
            }
    }

    // column (elements `stride` apart) → destination column of outSize elements with the same stride
    private static void ConvolveColumn(ReadOnlySpan<float> column, int stride, AxisTaps taps, int outSize, Span<float> destination)
    {
        for (int i = 0; i < outSize; i++)
        {
            float sum = 0;
            for (int k = 0; k < taps.Taps; k++) sum += taps.Weight[i * taps.Taps + k] * column[taps.Index[i * taps.Taps + k] * stride];
            destination[i * stride] = sum;
        }
    }

    private static void CheckSizes(int sourceLength, int width, int height, int channels, int newWidth, int newHeight, int destinationLength)
    {
        if (width < 1 || height < 1 || newWidth < 1 || newHeight < 1 || channels < 1)
            throw new ArgumentException($"Sizes must be positive: {width}x{height}x{channels} → {newWidth}x{newHeight}.");
        if (sourceLength < (long)width * height * channels) throw new ArgumentException("Source is smaller than width·height·channels.");
        if (destinationLength < (long)newWidth * newHeight * channels) throw new ArgumentException("Destination is smaller than newWidth·newHeight·channels.");
    }
}
