using FaceParse.Imaging.Jpeg;

namespace FaceParse.Imaging.Tests.Jpeg;

/// <summary>The SIMD triangle filters against libjpeg's formulas written out per sample (every width crosses the
/// vector/scalar boundaries somewhere in 1..80).</summary>
public sealed class JpegUpsamplerTests
{
    private static byte[] Row(Random random, int w) => [.. Enumerable.Range(0, w).Select(_ => (byte)random.Next(256))];

    [Fact]
    public void H2V1MatchesTheFormula()
    {
        var random = new Random(11);
        for (int w = 1; w <= 80; w++)
        {
            byte[] s = Row(random, w), dst = new byte[2 * w];
            JpegUpsampler.Triangle(s, default, vertical: false, dst);
            for (int i = 0; i < w; i++)
            {
                int prev = s[Math.Max(i - 1, 0)], next = s[Math.Min(i + 1, w - 1)];
                Assert.Equal((3 * s[i] + prev + 1) >> 2, dst[2 * i]);
                Assert.Equal((3 * s[i] + next + 2) >> 2, dst[2 * i + 1]);
            }
        }
    }

    [Fact]
    public void H2V2MatchesTheFormula()
    {
        var random = new Random(12);
        for (int w = 1; w <= 80; w++)
        {
            byte[] near = Row(random, w), far = Row(random, w), dst = new byte[2 * w];
            JpegUpsampler.Triangle(near, far, vertical: true, dst);
            int C(int i) => 3 * near[Math.Clamp(i, 0, w - 1)] + far[Math.Clamp(i, 0, w - 1)];
            for (int i = 0; i < w; i++)
            {
                Assert.Equal((3 * C(i) + C(i - 1) + 8) >> 4, dst[2 * i]);
                Assert.Equal((3 * C(i) + C(i + 1) + 7) >> 4, dst[2 * i + 1]);
            }
        }
    }

    [Fact]
    public void H1V2MatchesTheFormula()
    {
        var random = new Random(13);
        for (int w = 1; w <= 80; w++)
            foreach (int bias in new[] { 1, 2 })
            {
                byte[] near = Row(random, w), far = Row(random, w), dst = new byte[w];
                JpegUpsampler.H1V2(near, far, bias, dst);
                for (int i = 0; i < w; i++) Assert.Equal((3 * near[i] + far[i] + bias) >> 2, dst[i]);
            }
    }
}
