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
        // The same separable sums as Resample, but the vertical pass fills one output row at a time, so no float image of
        // the output's size exists (an upscaled overlay would otherwise take 12 bytes per output pixel).
        int channels = source.Channels, stride = width * channels;
        var xs = TapsFor(mode, source.Width, width);
        var ys = TapsFor(mode, source.Height, height);
        var rows = new float[source.Height * stride];
        var sourceRow = new float[source.Width * channels];
        for (int y = 0; y < source.Height; y++)
        {
            var pixels = source.Pixels.AsSpan(y * source.Width * channels, source.Width * channels);
            for (int i = 0; i < pixels.Length; i++) sourceRow[i] = pixels[i];
            Convolve(sourceRow, channels, xs, rows.AsSpan(y * stride, stride));
        }
        var sum = new float[stride];
        for (int y = 0; y < height; y++)
        {
            Array.Clear(sum);
            for (int k = 0; k < ys.Taps; k++)
            {
                float w = ys.Weight[y * ys.Taps + k];
                var row = rows.AsSpan(ys.Index[y * ys.Taps + k] * stride, stride);
                for (int x = 0; x < stride; x++) sum[x] += w * row[x];
            }
            var target = result.Pixels.AsSpan(y * stride, stride);
            for (int x = 0; x < stride; x++) target[x] = (byte)Math.Clamp(MathF.Round(sum[x]), 0f, 255f);
        }
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

/// <summary>Per-output-position source indices and weights along one axis (a fixed number of taps, unused taps weigh 0).</summary>
/// <remarks>All conventions follow PyTorch <c>F.interpolate(..., align_corners=False, antialias=False)</c>: output position i
/// samples source coordinate (i + 0.5)·in/out − 0.5, with in/out computed in float32 as PyTorch does when given an output size.</remarks>
internal sealed class AxisTaps
{
    public int Taps { get; }
    public int[] Index { get; }
    public float[] Weight { get; }

    private AxisTaps(int outSize, int taps)
    {
        Taps = taps;
        Index = new int[outSize * taps];
        Weight = new float[outSize * taps];
    }

    /// <summary>PyTorch 'nearest': source = min(floor(i · in/out), in − 1).</summary>
    public static int[] NearestIndices(int inSize, int outSize)
    {
        float scale = (float)inSize / outSize;
        var index = new int[outSize];
        for (int i = 0; i < outSize; i++) index[i] = Math.Min((int)MathF.Floor(i * scale), inSize - 1);
        return index;
    }

    public static AxisTaps Nearest(int inSize, int outSize)
    {
        var taps = new AxisTaps(outSize, 1);
        NearestIndices(inSize, outSize).CopyTo(taps.Index, 0);
        Array.Fill(taps.Weight, 1f);
        return taps;
    }

    /// <summary>PyTorch 'bilinear': source clamped at 0 below, x1 = min(x0 + 1, in − 1).</summary>
    public static AxisTaps Linear(int inSize, int outSize)
    {
        float scale = (float)inSize / outSize;
        var taps = new AxisTaps(outSize, 2);
        for (int i = 0; i < outSize; i++)
        {
            float source = Math.Max(scale * (i + 0.5f) - 0.5f, 0f);
            int x0 = (int)source;
            float lambda = source - x0;
            taps.Set(i, 0, x0, 1f - lambda);
            taps.Set(i, 1, Math.Min(x0 + 1, inSize - 1), lambda);
        }
        return taps;
    }

    /// <summary>PyTorch 'bicubic': Keys kernel with A = −0.75, taps x0−1..x0+2 with indices clamped to the border.</summary>
    public static AxisTaps Cubic(int inSize, int outSize)
    {
        const float A = -0.75f;
        float scale = (float)inSize / outSize;
        var taps = new AxisTaps(outSize, 4);
        for (int i = 0; i < outSize; i++)
        {
            float source = scale * (i + 0.5f) - 0.5f;
            int x0 = (int)MathF.Floor(source);
            float t = source - x0;
            float w0 = ((A * (t + 1) - 5 * A) * (t + 1) + 8 * A) * (t + 1) - 4 * A;
            float w1 = ((A + 2) * t - (A + 3)) * t * t + 1;
            float w2 = ((A + 2) * (1 - t) - (A + 3)) * (1 - t) * (1 - t) + 1;
            float w3 = ((A * (2 - t) - 5 * A) * (2 - t) + 8 * A) * (2 - t) - 4 * A;
            ReadOnlySpan<float> weights = [w0, w1, w2, w3];
            for (int k = 0; k < 4; k++) taps.Set(i, k, Math.Clamp(x0 - 1 + k, 0, inSize - 1), weights[k]);
        }
        return taps;
    }

    /// <summary>Box (area) filter: output i averages source interval [i·s, (i+1)·s), s = in/out, weighting partly covered pixels
    /// by their coverage. For integer factors this equals <c>F.adaptive_avg_pool2d</c> / PIL BOX; otherwise it is exact area averaging.</summary>
    public static AxisTaps Box(int inSize, int outSize)
    {
        double scale = (double)inSize / outSize;
        int width = (int)Math.Ceiling(scale) + 1;
        var taps = new AxisTaps(outSize, width);
        for (int i = 0; i < outSize; i++)
        {
            double start = i * scale, end = Math.Min((i + 1) * scale, inSize);
            int first = (int)Math.Floor(start);
            for (int k = 0; k < width; k++)
            {
                int x = first + k;
                double overlap = Math.Min(end, x + 1) - Math.Max(start, x);
                if (x < inSize && overlap > 0) taps.Set(i, k, x, (float)(overlap / (end - start)));
            }
        }
        return taps;
    }

    private void Set(int output, int tap, int index, float weight)
    {
        Index[output * Taps + tap] = index;
        Weight[output * Taps + tap] = weight;
    }
}
