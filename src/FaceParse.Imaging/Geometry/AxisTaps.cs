namespace FaceParse.Imaging.Geometry;

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
