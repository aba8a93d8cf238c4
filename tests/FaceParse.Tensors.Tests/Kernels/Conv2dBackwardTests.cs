using FaceParse.Tensors.Kernels;
using static FaceParse.Tensors.Tests.Kernels.KernelTestSupport;

namespace FaceParse.Tensors.Tests.Kernels;

[Collection("kernels-global")]
public sealed class Conv2dBackwardTests
{
    [Fact]
    public void BackwardMatchesReferenceOnEveryGeometryLevelAndThreadCount()
    {
        var rng = new Random(17);
        ForEachConfiguration((level, threads) =>
        {
            foreach (var g in Conv2dForwardTests.Geometries)
                Check(rng, g, $"{level} t={threads} {g}");
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
            Check(rng, new Conv2dGeometry(rng.Next(1, 3), groups * rng.Next(1, 4), h, w, groups * rng.Next(1, 4), k, k, s, s, pad, pad, d, d, groups), $"#{i}");
        }
    }

    [Fact]
    public void BadSizesThrowNamingTheShapes()
    {
        var g = new Conv2dGeometry(1, 2, 5, 5, 3, 3, 3);
        var e = Assert.Throws<ArgumentException>(() => Conv2d.BackwardInput(new float[26], new float[54], g, new float[50]));
        Assert.Contains("dy[1,3,3,3]", e.Message);
        e = Assert.Throws<ArgumentException>(() => Conv2d.BackwardWeight(new float[50], new float[27], g, new float[53]));
        Assert.Contains("w[3,2,3,3]", e.Message);
    }

    private static void Check(Random rng, Conv2dGeometry g, string context)
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
