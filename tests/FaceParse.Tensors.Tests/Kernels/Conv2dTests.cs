using FaceParse.Tensors.Runtime;
using FaceParse.Tensors.Kernels;
using static FaceParse.Tensors.Tests.Kernels.KernelTestSupport;

namespace FaceParse.Tensors.Tests.Kernels;

[Collection("kernels-global")]
public sealed class Conv2dTests
{
    internal static readonly Conv2dGeometry[] WinogradGeometries =
    [
        new(1, 16, 20, 37, 19, 3, 3, PadHeight: 1, PadWidth: 1),
        new(2, 24, 9, 40, 16, 3, 3),
        new(1, 32, 13, 64, 40, 3, 3, PadHeight: 2, PadWidth: 2),
    ];

    /// <summary>Geometries covering every dispatch path: direct (wide rows, with ragged edges), im2col (narrow), 1×1, depthwise, groups, stride, dilation; the last six are big enough to run on two threads.</summary>
    internal static readonly Conv2dGeometry[] Geometries =
    [
        new(1, 3, 9, 35, 10, 3, 3, PadHeight: 1, PadWidth: 1),
        new(2, 4, 7, 33, 9, 3, 3),
        new(1, 5, 11, 40, 7, 3, 3, 2, 2, 1, 1),
        new(1, 3, 6, 7, 5, 3, 3, PadHeight: 1, PadWidth: 1),
        new(2, 6, 5, 37, 4, 1, 1),
        new(1, 6, 9, 38, 6, 3, 3, PadHeight: 1, PadWidth: 1, Groups: 6),
        new(2, 4, 8, 9, 4, 5, 5, 2, 2, 2, 2, Groups: 4),
        new(1, 4, 10, 36, 6, 3, 3, PadHeight: 2, PadWidth: 2, DilationHeight: 2, DilationWidth: 2, Groups: 2),
        new(1, 2, 5, 6, 3, 2, 3, 1, 2, 0, 1),
        new(1, 3, 6, 34, 8, 1, 1, 2, 2),
        new(1, 16, 32, 40, 13, 3, 3, PadHeight: 1, PadWidth: 1),
        new(2, 8, 20, 40, 8, 3, 3, PadHeight: 1, PadWidth: 1, Groups: 8),
        // big enough for the weight gradient's split over row chunks and threads: 1×1 (the input as columns), and groups
        new(2, 40, 24, 70, 12, 1, 1),
        new(2, 12, 30, 40, 12, 3, 3, PadHeight: 1, PadWidth: 1, Groups: 3),
        // a deep layer: few pixels for a large weight gradient, which goes image by image with the GEMM sharing its tiles
        new(2, 64, 8, 8, 64, 3, 3, PadHeight: 1, PadWidth: 1),
        // Winograd F(2×2, 3×3) on AVX-512: odd output width, Cout not a multiple of 8; odd output height, batch 2; pad 2
        WinogradGeometries[0], WinogradGeometries[1], WinogradGeometries[2],
    ];

    [Fact]
    public void WinogradGeometriesTakeTheWinogradPathOnAvx512()
    {
        if (CpuFeatures.Detected != SimdLevel.Avx512) Assert.Skip("No AVX-512 on this machine: Winograd is not used.");
        ForEachConfiguration((level, _) =>
        {
            foreach (var g in WinogradGeometries) Assert.Equal(level == SimdLevel.Avx512, Conv2d.UsesWinograd(g));
            Assert.False(Conv2d.UsesWinograd(WinogradGeometries[0] with { StrideHeight = 2, StrideWidth = 2 }));
            Assert.False(Conv2d.UsesWinograd(WinogradGeometries[0] with { InChannels = 8 }));
        });
    }

    [Fact]
    public void ForwardMatchesReferenceOnEveryPathLevelAndThreadCount()
    {
        var rng = new Random(5);
        ForEachConfiguration((level, threads) =>
        {
            for (int i = 0; i < Geometries.Length; i++)
            {
                var e = (Epilogue)(i % 5);
                Check(rng, Geometries[i], e, withBias: i % 2 == 0, withResidual: i % 3 != 1, $"{level} t={threads} {Geometries[i]} {e}");
            }
        });
    }

    [Fact]
    public void ForwardMatchesReferenceOnRandomGeometriesAndEveryEpilogue()
    {
        var rng = new Random(11);
        for (int i = 0; i < 40; i++)
        {
            int groups = rng.Next(3) == 0 ? rng.Next(1, 4) : 1, k = rng.Next(1, 4), s = rng.Next(1, 3), d = rng.Next(1, 3);
            int cin = groups * rng.Next(1, 5), cout = groups * rng.Next(1, 5), pad = rng.Next(0, 2);
            int h = d * (k - 1) + 1 + rng.Next(0, 8), w = d * (k - 1) + 1 + rng.Next(0, 45);
            var g = new Conv2dGeometry(rng.Next(1, 3), cin, h, w, cout, k, k, s, s, pad, pad, d, d, groups);
            Check(rng, g, (Epilogue)(i % 5), rng.Next(2) == 0, rng.Next(2) == 0, $"{g}");
        }
    }

    [Fact]
    public void BadSizesThrowNamingTheShapes()
    {
        var g = new Conv2dGeometry(1, 2, 5, 5, 3, 3, 3);
        var e = Assert.Throws<ArgumentException>(() => Conv2d.Forward(new float[49], new float[54], [], [], g, Epilogue.None, new float[27]));
        Assert.Contains("x[1,2,5,5]", e.Message);
        e = Assert.Throws<ArgumentException>(() => Conv2d.Forward(new float[50], new float[54], new float[2], [], g, Epilogue.None, new float[27]));
        Assert.Contains("bias", e.Message);
        Assert.Throws<ArgumentException>(() => Conv2d.Forward(new float[50], new float[54], [], [], g with { Groups = 4 }, Epilogue.None, new float[27]));
        Assert.Throws<ArgumentException>(() => Conv2d.Forward(new float[50], new float[54], [], [], g with { InHeight = 1 }, Epilogue.None, new float[27]));
    }

    private static void Check(Random rng, Conv2dGeometry g, Epilogue e, bool withBias, bool withResidual, string context)
    {
        float[] x = Random(rng, g.InputSize), w = Random(rng, g.WeightSize);
        float[] bias = withBias ? Random(rng, g.OutChannels) : [], res = withResidual ? Random(rng, g.OutputSize) : [];
        float[] expected = new float[g.OutputSize], actual = Random(rng, g.OutputSize), mag = new float[g.OutputSize];
        Conv2d.ForwardReference(x, w, bias, res, g, e, expected);
        Conv2d.Forward(x, w, bias, res, g, e, actual);
        Conv2d.ForwardReference(Abs(x), Abs(w), Abs(bias), Abs(res), g, Epilogue.None, mag);
        AssertClose(expected, actual, mag, context);
    }

    [Fact]
    public void BackwardMatchesReferenceOnEveryGeometryLevelAndThreadCount()
    {
        var rng = new Random(17);
        ForEachConfiguration((level, threads) =>
        {
            foreach (var g in Geometries)
                CheckBackward(rng, g, $"{level} t={threads} {g}");
        });
    }

    [Fact]
    public void BackwardMatchesReferenceOnRandomGeometries()
    {
        var rng = new Random(23);
        for (int i = 0; i < 30; i++)
        {
            int groups = rng.Next(3) == 0 ? rng.Next(1, 4) : 1, k = rng.Next(1, 4), s = rng.Next(1, 3), d = rng.Next(1, 3);
            int pad = rng.Next(0, 3), h = d * (k - 1) + 1 + rng.Next(0, 7), w = d * (k - 1) + 1 + rng.Next(0, 40);
            CheckBackward(rng, new Conv2dGeometry(rng.Next(1, 3), groups * rng.Next(1, 4), h, w, groups * rng.Next(1, 4), k, k, s, s, pad, pad, d, d, groups), $"#{i}");
        }
    }

    [Fact]
    public void BackwardBadSizesThrowNamingTheShapes()
    {
        var g = new Conv2dGeometry(1, 2, 5, 5, 3, 3, 3);
        var e = Assert.Throws<ArgumentException>(() => Conv2d.BackwardInput(new float[26], new float[54], g, new float[50]));
        Assert.Contains("dy[1,3,3,3]", e.Message);
        e = Assert.Throws<ArgumentException>(() => Conv2d.BackwardWeight(new float[50], new float[27], g, new float[53]));
        Assert.Contains("w[3,2,3,3]", e.Message);
    }

    private static void CheckBackward(Random rng, Conv2dGeometry g, string context)
    {
        float[] x = Random(rng, g.InputSize), w = Random(rng, g.WeightSize), dy = Random(rng, g.OutputSize);
        float[] dxExpected = new float[g.InputSize], dx = Random(rng, g.InputSize), dxMag = new float[g.InputSize];
        Conv2d.BackwardInputReference(dy, w, g, dxExpected);
        Conv2d.BackwardInput(dy, w, g, dx);
        Conv2d.BackwardInputReference(Abs(dy), Abs(w), g, dxMag);
        AssertClose(dxExpected, dx, dxMag, "dx " + context);

        float[] dwExpected = new float[g.WeightSize], dw = Random(rng, g.WeightSize), dwMag = new float[g.WeightSize];
        Conv2d.BackwardWeightReference(x, dy, g, dwExpected);
        Conv2d.BackwardWeight(x, dy, g, dw);
        Conv2d.BackwardWeightReference(Abs(x), Abs(dy), g, dwMag);
        AssertClose(dwExpected, dw, dwMag, "dw " + context);
    }
}
