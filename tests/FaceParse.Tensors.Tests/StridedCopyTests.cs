using FaceParse.Tensors.Runtime;

namespace FaceParse.Tensors.Tests;

/// <summary>Strided copies large enough to run in parallel row chunks (a transposed map made contiguous, a broadcast
/// expanded, a concatenation written into its slice) give every element where index arithmetic puts it, at 1 and 2 threads.</summary>
[Collection("kernels-global")] // sets the process-wide thread count
public sealed class StridedCopyTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void LargeStridedCopiesPutEveryElementInPlace(int threads)
    {
        int saved = Parallelism.Threads;
        Parallelism.Threads = threads;
        try
        {
            const int A = 3, B = 170, C = 150;
            var x = Tensor.FromArray(Enumerable.Range(0, A * B * C).Select(i => (float)i).ToArray(), A, B, C);
            var permuted = x.Permute(2, 0, 1).Contiguous().ToArray(); // [C, A, B]
            for (int c = 0; c < C; c += 7)
                for (int a = 0; a < A; a++)
                    for (int b = 0; b < B; b += 3)
                        Assert.Equal((a * B + b) * C + c, permuted[(c * A + a) * B + b]);
            Assert.Equal(Enumerable.Range(0, A * B * C).Sum(i => (double)i), permuted.Sum(v => (double)v));

            var row = Tensor.FromArray(Enumerable.Range(0, C).Select(i => (float)i).ToArray(), 1, C);
            var expanded = row.Expand(B * A, C).ToArray();
            for (int r = 0; r < B * A; r += 11) Assert.Equal(Enumerable.Range(0, C).Select(i => (float)i), expanded.AsSpan(r * C, C).ToArray());

            var y = Tensor.FromArray(Enumerable.Range(0, A * B * C).Select(i => -(float)i).ToArray(), A, B, C);
            var joined = Tensor.Concat([x, y], 2).ToArray(); // [A, B, 2C]
            for (int a = 0; a < A; a++)
                for (int b = 0; b < B; b += 5)
                {
                    Assert.Equal((a * B + b) * C + 4, joined[(a * B + b) * 2 * C + 4]);
                    Assert.Equal(-((a * B + b) * C + 4), joined[(a * B + b) * 2 * C + C + 4]);
                }
        }
        finally
        {
            Parallelism.Threads = saved;
        }
    }
}
