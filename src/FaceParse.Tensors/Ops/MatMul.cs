using System.Numerics.Tensors;
using FaceParse.Tensors.Kernels;

namespace FaceParse.Tensors;

// torch.matmul and torch.nn.functional.linear on Gemm.Multiply. Matrices that are transposed views (e.g. k.mT in
// attention) are passed to Gemm with a transpose flag instead of being copied.
public sealed partial class Tensor
{
    /// <summary>torch.matmul: 1-D·1-D dot, 2-D product, and batched products broadcasting the batch dims (rank ≥ 3).
    /// Backward dA = G·Bᵀ, dB = Aᵀ·G (summed over broadcast batch dims).</summary>
    public Tensor MatMul(Tensor other) // [..., m, k] · [..., k, n] → [broadcast(...), m, n]
    {
        if (Rank == 0 || other.Rank == 0) throw new ArgumentException($"matmul: both operands need at least one dimension, got {Shapes.Format(_shape)} and {Shapes.Format(other._shape)}.");
        if (Rank == 1 && other.Rank == 1) return Unsqueeze(0).MatMul(other.Unsqueeze(1)).Reshape([]);
        if (Rank == 1) return Unsqueeze(0).MatMul(other).Squeeze(-2);
        if (other.Rank == 1) return MatMul(other.Unsqueeze(1)).Squeeze(-1);
        int m = _shape[^2], k = _shape[^1], k2 = other._shape[^2], n = other._shape[^1];
        if (k != k2) throw new ArgumentException($"matmul: shapes {Shapes.Format(_shape)} and {Shapes.Format(other._shape)} do not align ({k} vs {k2}).");
        int[] batch;
        try { batch = Shapes.Broadcast(_shape.AsSpan(0, Rank - 2), other._shape.AsSpan(0, other.Rank - 2)); }
        catch (ArgumentException) { throw new ArgumentException($"matmul: batch dimensions of {Shapes.Format(_shape)} and {Shapes.Format(other._shape)} do not broadcast."); }
        // A batch of rows against one matrix is a single GEMM.
        if (other.Rank == 2 && IsContiguous && Rank > 2)
            return Reshape(-1, k).MatMul(other).Reshape([.. batch, m, n]);

        var a = MatrixOperand.Of(this);
        var b = MatrixOperand.Of(other);
        int[] outShape = [.. batch, m, n];
        int count = Shapes.Count(batch);
        var r = Empty(outShape);
        int[] ao = a.BatchOffsets(batch), bo = b.BatchOffsets(batch);
        float[] ad = a.Data, bd = b.Data, rd = r._data;
        ForBatches(count, i => Gemm.Multiply(ad.AsSpan(ao[i]), bd.AsSpan(bo[i]), m, n, k, a.Transposed, b.Transposed, false, rd.AsSpan(i * m * n, m * n)));
        return r.Record("matmul", [this, other], g =>
        {
            var gc = g.Contiguous();
            float[] gd = gc._data;
            int go = gc.Offset;
            if (RequiresGrad)
            {
                var da = Empty([.. batch, m, k]);
                float[] dd = da._data;
                ForBatches(count, i => Gemm.Multiply(gd.AsSpan(go + i * m * n), bd.AsSpan(bo[i]), m, k, n, false, !b.Transposed, false, dd.AsSpan(i * m * k, m * k)));
                AccumulateGrad(da.SumTo(_shape));
            }
            if (other.RequiresGrad)
            {
                var db = Empty([.. batch, k, n]);
                float[] dd = db._data;
                ForBatches(count, i => Gemm.Multiply(ad.AsSpan(ao[i]), gd.AsSpan(go + i * m * n), k, n, m, !a.Transposed, false, false, dd.AsSpan(i * k * n, k * n)));
                other.AccumulateGrad(db.SumTo(other._shape));
            }
        });
    }

    // Batches run in parallel only when there are enough of them; otherwise Gemm parallelises inside.
    private static void ForBatches(int count, Action<int> body)
    {
        if (count >= Runtime.Parallelism.Threads) Runtime.Parallelism.For(count, body);
        else for (int i = 0; i < count; i++) body(i);
    }

    /// <summary>torch.nn.functional.linear: y = x·wᵀ + b. Backward dx = G·w, dw = Gᵀ·x, db = Σ G.</summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias = null) // x[..., in], w[out, in], b[out] → [..., out]
    {
        if (weight.Rank != 2 || x.Rank == 0 || x._shape[^1] != weight._shape[1])
            throw new ArgumentException($"linear: input {Shapes.Format(x._shape)} and weight {Shapes.Format(weight._shape)} do not match (weight must be [out, in]).");
        int inF = weight._shape[1], outF = weight._shape[0], rows = x.Count / Math.Max(inF, 1);
        if (bias is not null && (bias.Rank != 1 || bias._shape[0] != outF))
            throw new ArgumentException($"linear: bias {Shapes.Format(bias._shape)} does not match weight {Shapes.Format(weight._shape)}.");
        float[] xd = x.ToContiguousArray(out int xo), wd = weight.ToContiguousArray(out int wo);
        int[] outShape = [.. x._shape[..^1], outF];
        var r = Empty(outShape);
        float[] rd = r._data;
        if (bias is not null)
        {
            var bv = bias.ToArray();
            for (int i = 0; i < rows; i++) bv.CopyTo(rd, i * outF);
        }
        Gemm.Multiply(xd.AsSpan(xo), wd.AsSpan(wo), rows, outF, inF, false, true, bias is not null, rd.AsSpan(0, rows * outF));
        var inputs = bias is null ? new[] { x, weight } : [x, weight, bias];
        return r.Record("linear", inputs, g =>
        {
            float[] gd = g.ToContiguousArray(out int go);
            if (x.RequiresGrad)
            {
                var dx = Empty(x._shape);
                Gemm.Multiply(gd.AsSpan(go), wd.AsSpan(wo), rows, inF, outF, false, false, false, dx._data.AsSpan(0, x.Count));
                x.AccumulateGrad(dx);
            }
            if (weight.RequiresGrad)
            {
                var dw = Empty(weight._shape);
                Gemm.Multiply(gd.AsSpan(go), xd.AsSpan(xo), outF, inF, rows, true, false, false, dw._data.AsSpan(0, weight.Count));
                weight.AccumulateGrad(dw);
            }
            if (bias is not null && bias.RequiresGrad)
            {
                var db = Zeros(outF);
                var s = db.Span;
                for (int i = 0; i < rows; i++) TensorPrimitives.Add(s, gd.AsSpan(go + i * outF, outF), s);
                bias.AccumulateGrad(db);
            }
        });
    }

    // Storage of a contiguous version of this tensor (no copy when already contiguous) and the start offset in it. A copy
    // comes from the pool and belongs to the open TensorScope, like any op's result (a plain array here was a large-object
    // allocation per training step that only a gen-2 collection returned).
    internal float[] ToContiguousArray(out int offset)
    {
        offset = IsContiguous ? Offset : 0;
        return IsContiguous ? _data : Detach().Contiguous()._data;
    }

    // One matmul operand: storage, whether each matrix is stored transposed, and per-dimension batch strides.
    private sealed record MatrixOperand(float[] Data, bool Transposed, int[] BatchShape, int[] BatchStrides, int Offset)
    {
        public static MatrixOperand Of(Tensor t)
        {
            int r = t.Rank, rows = t._shape[r - 2], cols = t._shape[r - 1];
            int sr = t._strides[r - 2], sc = t._strides[r - 1];
            bool plain = (sc == 1 || cols == 1) && (sr == cols || rows == 1);
            bool trans = !plain && (sr == 1 || rows == 1) && (sc == rows || cols == 1);
            if (!plain && !trans) t = t.Detach().Clone();
            return new MatrixOperand(t._data, trans, t._shape[..(r - 2)], t._strides[..(r - 2)], t.Offset);
        }

        // Storage offset of each matrix for the broadcast batch shape (size-1 dims repeat).
        public int[] BatchOffsets(int[] batch)
        {
            int count = Shapes.Count(batch), lead = batch.Length - BatchShape.Length;
            var result = new int[count];
            for (int i = 0; i < count; i++)
            {
                int rem = i, off = Offset;
                for (int d = batch.Length - 1; d >= 0; d--)
                {
                    int idx = rem % batch[d];
                    rem /= batch[d];
                    int own = d - lead;
                    if (own >= 0 && BatchShape[own] != 1) off += idx * BatchStrides[own];
                }
                result[i] = off;
            }
            return result;
        }
    }
}
