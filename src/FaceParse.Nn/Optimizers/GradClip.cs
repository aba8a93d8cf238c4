using FaceParse.Tensors;

namespace FaceParse.Nn.Optimizers;

/// <summary>Gradient clipping (torch.nn.utils.clip_grad_norm_).</summary>
public static class GradClip
{
    /// <summary>Scales all gradients by min(1, maxNorm/(total + 1e-6)), where total is the p-norm of all gradients taken
    /// together (<paramref name="normType"/> may be <see cref="double.PositiveInfinity"/>). Returns the total norm before clipping.</summary>
    /// <exception cref="InvalidOperationException">The norm is NaN or infinite and <paramref name="errorIfNonfinite"/> is set.</exception>
    public static double ClipGradNorm(IEnumerable<Tensor> parameters, double maxNorm, double normType = 2, bool errorIfNonfinite = false)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(normType > 0)) throw new ArgumentOutOfRangeException(nameof(normType), $"Invalid norm type {normType}.");
        var withGrad = parameters.Where(p => p.Grad is not null).ToList();
        if (withGrad.Count == 0) return 0;
        using var noGrad = GradMode.NoGrad();
        foreach (var p in withGrad)
            if (!p.Grad!.IsContiguous) p.Grad = p.Grad.Contiguous();

        double total = 0;
        foreach (var p in withGrad)
        {
            foreach (float x in p.Grad!.Span)
            {
                double a = Math.Abs((double)x);
                total = double.IsPositiveInfinity(normType) ? Math.Max(total, a) : total + (normType == 2 ? a * a : Math.Pow(a, normType));
            }
        }
        if (!double.IsPositiveInfinity(normType)) total = normType == 2 ? Math.Sqrt(total) : Math.Pow(total, 1 / normType);
        if (errorIfNonfinite && !double.IsFinite(total))
            throw new InvalidOperationException($"The total norm of order {normType} of the gradients is non-finite ({total}); cannot clip.");

        float coef = (float)Math.Min(1.0, maxNorm / (total + 1e-6));
        foreach (var p in withGrad)
        {
            var g = p.Grad!.Span;
            for (int i = 0; i < g.Length; i++) g[i] *= coef;
        }
        return total;
    }
}
