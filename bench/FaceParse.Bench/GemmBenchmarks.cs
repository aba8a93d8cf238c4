using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using FaceParse.Tensors.Kernels;

namespace FaceParse.Bench;

/// <summary>Packed register-tile GEMM vs a row-by-row TensorPrimitives baseline (C row i += A[i,p] · B row p).</summary>
[MemoryDiagnoser]
public class GemmBenchmarks
{
    [Params(256, 512)]
    public int Size;

    private float[] _a = [], _b = [], _c = [];

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        _a = Enumerable.Range(0, Size * Size).Select(_ => (float)rng.NextDouble()).ToArray();
        _b = Enumerable.Range(0, Size * Size).Select(_ => (float)rng.NextDouble()).ToArray();
        _c = new float[Size * Size];
    }

    [Benchmark]
    public void Packed() => Gemm.Multiply(_a, _b, Size, Size, Size, false, false, false, _c);

    [Benchmark(Baseline = true)]
    public void RowByRow()
    {
        int n = Size;
        Array.Clear(_c);
        for (int i = 0; i < n; i++)
        {
            Span<float> row = _c.AsSpan(i * n, n);
            for (int p = 0; p < n; p++)
                TensorPrimitives.MultiplyAdd(_b.AsSpan(p * n, n), _a[i * n + p], row, row);
        }
    }
}
