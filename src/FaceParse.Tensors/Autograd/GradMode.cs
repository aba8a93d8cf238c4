namespace FaceParse.Tensors;

/// <summary>Whether ops record the graph for backward on this thread. <c>using (GradMode.NoGrad()) { … }</c> turns it off.</summary>
public static class GradMode
{
    [ThreadStatic] private static int _disabled;

    public static bool Enabled => _disabled == 0;

    /// <summary>Disables graph recording until the returned scope is disposed (nestable); like torch.no_grad().</summary>
    public static IDisposable NoGrad()
    {
        _disabled++;
        return new Restore();
    }

    private sealed class Restore : IDisposable
    {
        private bool _done;

        public void Dispose()
        {
            if (_done) return;
            _done = true;
            _disabled--;
        }
    }
}

/// <summary>One recorded op: its inputs and the rule that turns the output's gradient into theirs.</summary>
/// <param name="Op">PyTorch-style op name, for error messages and ToString.</param>
/// <param name="Inputs">Inputs that require grad (others are not kept).</param>
/// <param name="Backward">Given dL/dOutput, calls <see cref="Tensor.AccumulateGrad"/> on the inputs.</param>
internal sealed record GradNode(string Op, Tensor[] Inputs, Action<Tensor> Backward);
