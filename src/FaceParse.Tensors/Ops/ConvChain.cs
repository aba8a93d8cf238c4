using FaceParse.Tensors.Kernels;

namespace FaceParse.Tensors;

/// <summary>One convolution of a <see cref="ConvChain"/>: 3×3, stride 1, padding 1, reading value <see cref="Input"/>
/// and adding value <see cref="Residual"/> (−1: none) before the activation, as <see cref="Tensor.Conv2d(Tensor, Tensor?, Tensor?, Epilogue, Size2D?, Size2D?, Size2D?, int)"/>.</summary>
public sealed record ConvStep(int Input, Tensor Weight, Tensor? Bias, int Residual, Epilogue Epilogue);

/// <summary>A chain of 3×3 same-size convolutions (an EDSR residual group: each step reads an earlier value, may add
/// another) run depth-first without a graph: band by band of output rows, every step a band behind the one it reads, so a
/// band is read back while it is still in cache instead of after the whole map has gone out to memory. Two batch workers
/// share one memory bus; full-resolution maps (8 MB each at 32 × 256²) streamed layer by layer are what slows them.
/// Equal to running the steps one after another (which it does when gradients are recorded or a step has no banded kernel,
/// <see cref="Kernels.Conv2d.SupportsRows"/>).</summary>
public static class ConvChain
{
    /// <summary>Output rows a step computes at a time (even).</summary>
    public const int DefaultBandRows = 16;

    // values[0] = x [N, C, H, W]; step i: values[i + 1] = act(conv3x3(values[Input]) + bias + values[Residual]) → the last value
    public static Tensor Run(Tensor x, IReadOnlyList<ConvStep> steps, int bandRows = DefaultBandRows)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(steps);
        if (steps.Count == 0) return x;
        if (bandRows < 2 || bandRows % 2 != 0) throw new ArgumentOutOfRangeException(nameof(bandRows), $"conv chain: band of {bandRows} rows must be even and at least 2.");
        for (int i = 0; i < steps.Count; i++)
            if (steps[i].Input < 0 || steps[i].Input > i || steps[i].Residual < -1 || steps[i].Residual > i)
                throw new ArgumentException($"conv chain: step {i} reads value {steps[i].Input} and adds {steps[i].Residual}; only values 0..{i} exist then.");
        var geometries = Geometries(x, steps);
        bool recording = GradMode.Enabled && (x.RequiresGrad || steps.Any(s => s.Weight.RequiresGrad || s.Bias is { RequiresGrad: true }));
        if (recording || geometries is null) return Sequential(x, steps); // Sequential reports any shape error precisely
        var values = new Tensor[steps.Count + 1];
        values[0] = Spatial.Dense(x);
        for (int i = 0; i < steps.Count; i++)
            values[i + 1] = Tensor.Empty(geometries[i].Batch, geometries[i].OutChannels, geometries[i].OutHeight, geometries[i].OutWidth);
        var weights = steps.Select(s => Spatial.Dense(s.Weight)).ToArray();
        var biases = steps.Select(s => s.Bias is null ? null : Spatial.Dense(s.Bias)).ToArray();
        int height = x.Dim(2);
        var done = new int[steps.Count + 1]; // output rows finished per value
        done[0] = height;
        while (done[steps.Count] < height)
            for (int i = 0; i < steps.Count; i++)
            {
                var step = steps[i];
                // rows [a, b) need input rows up to b (one below) and residual rows up to b − 1
                int limit = done[step.Input] >= height ? height : (done[step.Input] - 1) & ~1;
                if (step.Residual >= 0 && done[step.Residual] < height) limit = Math.Min(limit, done[step.Residual] & ~1);
                int end = Math.Min(limit, done[i + 1] + bandRows);
                if (end <= done[i + 1]) continue;
                Kernels.Conv2d.ForwardRows(values[step.Input].Span, weights[i].Span, biases[i] is { } bias ? bias.Span : default,
                    step.Residual < 0 ? default : values[step.Residual].Span, geometries[i], step.Epilogue, values[i + 1].Span, done[i + 1], end);
                done[i + 1] = end;
            }
        return values[^1];
    }

    // each step's geometry when every step is a 3×3 same-size convolution with a banded kernel and consistent shapes; else null
    private static Conv2dGeometry[]? Geometries(Tensor x, IReadOnlyList<ConvStep> steps)
    {
        if (x.Rank != 4) return null;
        int n = x.Dim(0), h = x.Dim(2), w = x.Dim(3);
        var channels = new int[steps.Count + 1];
        channels[0] = x.Dim(1);
        var geometries = new Conv2dGeometry[steps.Count];
        for (int i = 0; i < steps.Count; i++)
        {
            var s = steps[i];
            int cout = s.Weight.Rank == 4 ? s.Weight.Dim(0) : -1;
            if (s.Weight.Rank != 4 || s.Weight.Dim(1) != channels[s.Input] || s.Weight.Dim(2) != 3 || s.Weight.Dim(3) != 3
                || s.Bias is { } b && (b.Rank != 1 || b.Dim(0) != cout) || s.Residual >= 0 && channels[s.Residual] != cout)
                return null;
            geometries[i] = new Conv2dGeometry(n, channels[s.Input], h, w, cout, 3, 3, 1, 1, 1, 1, 1, 1, 1);
            if (!Kernels.Conv2d.SupportsRows(geometries[i])) return null;
            channels[i + 1] = cout;
        }
        return geometries;
    }

    // the same steps one after another through Tensor.Conv2d (recorded when gradients are)
    private static Tensor Sequential(Tensor x, IReadOnlyList<ConvStep> steps)
    {
        var values = new Tensor[steps.Count + 1];
        values[0] = x;
        for (int i = 0; i < steps.Count; i++)
        {
            var s = steps[i];
            values[i + 1] = values[s.Input].Conv2d(s.Weight, s.Bias, s.Residual < 0 ? null : values[s.Residual], s.Epilogue, padding: 1);
        }
        return values[^1];
    }
}
