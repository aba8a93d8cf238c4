using System.Numerics.Tensors;

namespace FaceParse.Tensors;

// torch.softmax / torch.log_softmax along one axis, max-shifted so large logits never overflow.
// Two loop shapes: the axis innermost (rows, e.g. attention) or not (e.g. classes of NCHW, walked as vectors over
// the inner positions in blocks).
public sealed partial class Tensor
{
    private const int SoftmaxBlock = 2048;

    /// <summary>torch.softmax(x, dim). Backward dx = y·(g − Σ g·y).</summary>
    public Tensor Softmax(int axis) => SoftmaxOp(axis, log: false); // [*] → [*]

    /// <summary>torch.log_softmax(x, dim). Backward dx = g − exp(y)·Σ g.</summary>
    public Tensor LogSoftmax(int axis) => SoftmaxOp(axis, log: true); // [*] → [*]

    private Tensor SoftmaxOp(int axis, bool log)
    {
        var l = AxisLayout.Of(_shape, axis, log ? "log_softmax" : "softmax");
        var x = Contiguous();
        var y = Empty(_shape);
        SoftmaxForward(x._data, x.Offset, l, y._data, log);
        return y.Record(log ? "log_softmax" : "softmax", [this], g =>
        {
            var gc = g.Contiguous();
            var dx = Empty(_shape);
            SoftmaxBackward(gc._data, gc.Offset, y._data, l, dx._data, log);
            AccumulateGrad(dx);
        });
    }

    // Tasks: one per row when the axis is innermost, else one per (outer, block of inner positions).
    private static void ForSoftmaxTasks(AxisLayout l, Action<int, int, int> body) // (outer, inner start, length)
    {
        if (l.Inner == 1)
        {
            Runtime.Parallelism.For(l.Outer, o => body(o, 0, 1));
            return;
        }
        int blocks = (l.Inner + SoftmaxBlock - 1) / SoftmaxBlock;
        Runtime.Parallelism.For(l.Outer * blocks, t =>
        {
            int o = t / blocks, i0 = t % blocks * SoftmaxBlock;
            body(o, i0, Math.Min(SoftmaxBlock, l.Inner - i0));
        });
    }

    // x (contiguous at xo) → y (contiguous at 0): softmax or log-softmax along the layout's axis.
    internal static void SoftmaxForward(float[] x, int xo, AxisLayout l, float[] y, bool log)
    {
        int n = l.N, inner = l.Inner;
        ForSoftmaxTasks(l, (o, i0, len) =>
        {
            int b = o * n * inner + i0;
            if (inner == 1)
            {
                var row = x.AsSpan(xo + b, n);
                var yr = y.AsSpan(b, n);
                float m = TensorPrimitives.Max(row);
                TensorPrimitives.Subtract(row, m, yr);
                TensorPrimitives.Exp(yr, yr);
                float s = TensorPrimitives.Sum(yr);
                if (log) TensorPrimitives.Subtract(row, m + MathF.Log(s), yr);
                else TensorPrimitives.Multiply(yr, 1f / s, yr);
                return;
            }
            Span<float> mx = stackalloc float[len], sum = stackalloc float[len];
            x.AsSpan(xo + b, len).CopyTo(mx);
            for (int j = 1; j < n; j++) TensorPrimitives.Max(mx, x.AsSpan(xo + b + j * inner, len), mx);
            sum.Clear();
            for (int j = 0; j < n; j++)
            {
                var yj = y.AsSpan(b + j * inner, len);
                TensorPrimitives.Subtract(x.AsSpan(xo + b + j * inner, len), mx, yj);
                TensorPrimitives.Exp(yj, yj);
                TensorPrimitives.Add(sum, yj, sum);
            }
            if (log)
            {
                TensorPrimitives.Log(sum, sum);
                TensorPrimitives.Add(sum, mx, sum); // log Σ exp
                for (int j = 0; j < n; j++) TensorPrimitives.Subtract(x.AsSpan(xo + b + j * inner, len), sum, y.AsSpan(b + j * inner, len));
            }
            else
            {
                TensorPrimitives.Reciprocal(sum, sum);
                for (int j = 0; j < n; j++) TensorPrimitives.Multiply(y.AsSpan(b + j * inner, len), sum, y.AsSpan(b + j * inner, len));
            }
        });
    }

    // (g at go, y at 0) → dx at 0, for softmax (log = false) or log-softmax outputs y.
    internal static void SoftmaxBackward(float[] g, int go, float[] y, AxisLayout l, float[] dx, bool log)
    {
        int n = l.N, inner = l.Inner;
        ForSoftmaxTasks(l, (o, i0, len) =>
        {
            int b = o * n * inner + i0;
            if (inner == 1)
            {
                var gr = g.AsSpan(go + b, n);
                var yr = y.AsSpan(b, n);
                var dr = dx.AsSpan(b, n);
                if (log)
                {
                    float s = TensorPrimitives.Sum(gr);
                    TensorPrimitives.Exp(yr, dr);
                    TensorPrimitives.Multiply(dr, -s, dr);
                    TensorPrimitives.Add(dr, gr, dr);
                }
                else
                {
                    TensorPrimitives.Subtract(gr, TensorPrimitives.Dot(gr, yr), dr);
                    TensorPrimitives.Multiply(dr, yr, dr);
                }
                return;
            }
            Span<float> acc = stackalloc float[len];
            acc.Clear();
            for (int j = 0; j < n; j++)
            {
                var gj = g.AsSpan(go + b + j * inner, len);
                if (log) TensorPrimitives.Add(acc, gj, acc);
                else TensorPrimitives.MultiplyAdd(gj, y.AsSpan(b + j * inner, len), acc, acc);
            }
            for (int j = 0; j < n; j++)
            {
                var gj = g.AsSpan(go + b + j * inner, len);
                var yj = y.AsSpan(b + j * inner, len);
                var dj = dx.AsSpan(b + j * inner, len);
                if (log)
                {
                    TensorPrimitives.Exp(yj, dj);
                    TensorPrimitives.Multiply(dj, acc, dj);
                    TensorPrimitives.Subtract(gj, dj, dj);
                }
                else
                {
                    TensorPrimitives.Subtract(gj, acc, dj);
                    TensorPrimitives.Multiply(dj, yj, dj);
                }
            }
        });
    }
}
