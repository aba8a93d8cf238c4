using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using FaceParse.Tensors.Kernels;

namespace FaceParse.Bench;

/// <summary>3×3 convolution (64→64, padding 1): the fast kernel vs a row-by-row TensorPrimitives baseline.</summary>
[MemoryDiagnoser]
public class ConvBenchmarks
{
    private const int Channels = 64;

    [Params(32, 64)]
    public int Size;

    private float[] _x = [], _w = [], _y = [];
    private Conv2dGeometry _g;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        _g = new Conv2dGeometry(1, Channels, Size, Size, Channels, 3, 3, PadHeight: 1, PadWidth: 1);
        _x = Enumerable.Range(0, (int)_g.InputSize).Select(_ => (float)rng.NextDouble()).ToArray();
        _w = Enumerable.Range(0, (int)_g.WeightSize).Select(_ => (float)rng.NextDouble()).ToArray();
        _y = new float[_g.OutputSize];
    }

    [Benchmark]
    public void Fast() => Conv2d.Forward(_x, _w, [], [], _g, Epilogue.Relu, _y);

    // y[co, oy, valid ox range] += w[co, ci, ky, kx] · x[ci, oy+ky−1, shifted range], then ReLU.
    [Benchmark(Baseline = true)]
    public void RowByRow()
    {
        int s = Size;
        Array.Clear(_y);
        for (int co = 0; co < Channels; co++)
            for (int ci = 0; ci < Channels; ci++)
                for (int ky = 0; ky < 3; ky++)
                    for (int kx = 0; kx < 3; kx++)
                    {
                        float wv = _w[((co * Channels + ci) * 3 + ky) * 3 + kx];
                        int lo = Math.Max(0, 1 - kx), hi = Math.Min(s, s + 1 - kx);
                        for (int oy = 0; oy < s; oy++)
                        {
                            int iy = oy + ky - 1;
                            if ((uint)iy >= (uint)s) continue;
                            Span<float> dst = _y.AsSpan((co * s + oy) * s + lo, hi - lo);
                            TensorPrimitives.MultiplyAdd(_x.AsSpan((ci * s + iy) * s + lo + kx - 1, hi - lo), wv, dst, dst);
                        }
                    }
        TensorPrimitives.Max(_y, 0f, _y);
    }
}
