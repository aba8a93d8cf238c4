using FaceParse.Tensors.Kernels;
using FaceParse.Tensors.Runtime;
using static FaceParse.Tensors.Tests.Kernels.KernelTestSupport;

namespace FaceParse.Tensors.Tests.Kernels;

[Collection("kernels-global")]
public sealed class BilinearRowsTests
{
    // (output columns, source columns): upsampling by 4 (the FP-LIIF grid decoder's 256 → 64), odd factors and widths, a
    // source narrower than a vector block, equal widths, and downsampling (blocks whose taps span more than a window)
    private static readonly (int Count, int Size)[] Axes =
        [(256, 64), (512, 64), (70, 17), (45, 16), (33, 8), (20, 5), (7, 3), (64, 64), (100, 61), (40, 160), (17, 100), (1, 1)];

    [Fact]
    public void EveryLevelGivesTheReferenceBitsOnGridSampleTaps()
    {
        var rng = new Random(7);
        ForEachConfiguration((level, threads) =>
        {
            foreach (var (count, size) in Axes)
                foreach (bool relu in new[] { true, false })
                    Check(rng, GridTaps(count, size), relu, $"{level} t={threads} {count}←{size} relu={relu}");
        });
    }

    [Fact]
    public void EveryLevelGivesTheReferenceBitsOnScatteredTaps()
    {
        var rng = new Random(8);
        ForEachConfiguration((level, threads) =>
        {
            foreach (int size in new[] { 3, 8, 16, 20, 40 })
            {
                int count = rng.Next(1, 90);
                var lo = new int[count];
                var hi = new int[count];
                var frac = new float[count];
                for (int c = 0; c < count; c++)
                {
                    // near neighbours mostly (windows fit), now and then a jump across the row (the scalar fallback)
                    lo[c] = rng.Next(8) == 0 ? rng.Next(size) : Math.Min(size - 1, c * size / count);
                    hi[c] = rng.Next(size);
                    frac[c] = (float)rng.NextDouble();
                }
                Check(rng, new BilinearColumns(lo, hi, frac, size), rng.Next(2) == 0, $"{level} t={threads} scattered {count}←{size}");
            }
        });
    }

    [Fact]
    public void TheReferenceMatchesDoublePrecision()
    {
        var rng = new Random(9);
        foreach (var (count, size) in Axes)
        {
            var cols = GridTaps(count, size);
            float[] top = Random(rng, size), bottom = Random(rng, size), colAdd = Random(rng, count);
            float fy = (float)rng.NextDouble(), rowAdd = (float)(rng.NextDouble() - 0.5);
            var got = new float[count];
            BilinearRows.BlendReference(top, bottom, fy, cols, rowAdd, colAdd, relu: true, got);
            for (int c = 0; c < count; c++)
            {
                double fx = cols.Frac[c], up = (1 - fx) * top[cols.Lo[c]] + fx * top[cols.Hi[c]], down = (1 - fx) * bottom[cols.Lo[c]] + fx * bottom[cols.Hi[c]];
                double v = Math.Max(0, (1 - (double)fy) * up + fy * down + rowAdd + colAdd[c]);
                Assert.True(Math.Abs(v - got[c]) <= 1e-5 * (1 + Math.Abs(v)), $"{count}←{size} column {c}: expected {v}, got {got[c]}");
            }
        }
    }

    [Fact]
    public void UpsamplingFillsEveryVectorBlockFromOneWindow()
    {
        // the decoder's case must take the permute path for every full block, not fall back to the scalar loop
        var cols = GridTaps(256, 64);
        Assert.All(cols.Start16, s => Assert.InRange(s, 0, 64 - 16));
        Assert.All(cols.Start8, s => Assert.InRange(s, 0, 64 - 8));
        Assert.Equal(16, cols.Start16.Length);
        Assert.Contains(-1, GridTaps(40, 160).Start16); // downsampling by 4: 16 columns read 64 source columns
    }

    [Fact]
    public void NaNBecomesZeroUnderReLUAndPassesWithout()
    {
        var cols = GridTaps(48, 12);
        var top = Enumerable.Repeat(float.NaN, 12).ToArray();
        var bottom = new float[12];
        var colAdd = new float[48];
        ForEachConfiguration((level, _) =>
        {
            var dst = new float[48];
            BilinearRows.Blend(top, bottom, 0.25f, cols, 0, colAdd, relu: true, dst);
            Assert.All(dst, v => Assert.Equal(0f, v));
            BilinearRows.Blend(top, bottom, 0.25f, cols, 0, colAdd, relu: false, dst);
            Assert.All(dst, v => Assert.True(float.IsNaN(v), $"{level}: {v}"));
        });
    }

    [Fact]
    public void BadTapsAndShortRowsAreClearErrors()
    {
        var e = Assert.Throws<ArgumentException>(() => new BilinearColumns([0, 5], [1, 1], [0, 0], 5));
        Assert.Contains("outside 0..4", e.Message);
        Assert.Throws<ArgumentException>(() => new BilinearColumns([0], [1, 1], [0], 5));
        var cols = GridTaps(32, 16);
        var err = Assert.Throws<ArgumentException>(() => BilinearRows.Blend(new float[15], new float[16], 0, cols, 0, new float[32], true, new float[32]));
        Assert.Contains("need 16", err.Message);
        Assert.Throws<ArgumentException>(() => BilinearRows.Blend(new float[16], new float[16], 0, cols, 0, new float[32], true, new float[31]));
    }

    [Fact]
    public void TheTapsAreCopiedSoTheCallersArraysCannotChangeThemLater()
    {
        // the fast paths read through pointers, so a caller reusing its arrays must not move validated taps
        var lo = new int[32];
        var hi = new int[32];
        var frac = new float[32];
        for (int c = 0; c < 32; c++) (lo[c], hi[c], frac[c]) = (c / 2, Math.Min(c / 2 + 1, 15), 0.25f);
        var cols = new BilinearColumns(lo, hi, frac, 16);
        float[] top = Random(new Random(3), 16), bottom = Random(new Random(4), 16), colAdd = new float[32];
        var before = new float[32];
        BilinearRows.Blend(top, bottom, 0.5f, cols, 0, colAdd, relu: false, before);
        Array.Fill(lo, 15);
        Array.Fill(hi, 0);
        Array.Fill(frac, 0.75f);
        ForEachConfiguration((level, _) =>
        {
            var after = new float[32];
            BilinearRows.Blend(top, bottom, 0.5f, cols, 0, colAdd, relu: false, after);
            Assert.True(before.AsSpan().SequenceEqual(after), $"{level}: the output changed with the caller's arrays");
        });
    }

    private static void Check(Random rng, BilinearColumns cols, bool relu, string context)
    {
        float[] top = Random(rng, cols.SourceWidth), bottom = Random(rng, cols.SourceWidth), colAdd = Random(rng, cols.Count);
        float fy = (float)rng.NextDouble(), rowAdd = (float)(rng.NextDouble() - 0.5);
        var expected = new float[cols.Count];
        var actual = new float[cols.Count + 3]; // a longer output: nothing past Count is written
        actual.AsSpan().Fill(42f);
        BilinearRows.BlendReference(top, bottom, fy, cols, rowAdd, colAdd, relu, expected);
        BilinearRows.Blend(top, bottom, fy, cols, rowAdd, colAdd, relu, actual);
        for (int c = 0; c < cols.Count; c++)
            if (BitConverter.SingleToInt32Bits(expected[c]) != BitConverter.SingleToInt32Bits(actual[c]))
                Assert.Fail($"{context}: column {c}: reference {expected[c]:R}, got {actual[c]:R}");
        Assert.All(actual[cols.Count..], v => Assert.Equal(42f, v));
    }

    // grid_sample (bilinear, border, align_corners=False) taps at the pixel centres of `count` outputs over `size` inputs
    private static BilinearColumns GridTaps(int count, int size)
    {
        var lo = new int[count];
        var hi = new int[count];
        var frac = new float[count];
        for (int i = 0; i < count; i++)
        {
            float g = (2 * i + 1f) / count - 1;
            float v = Math.Clamp(((g + 1) * size - 1) / 2, 0, size - 1);
            lo[i] = (int)MathF.Floor(v);
            hi[i] = Math.Min(lo[i] + 1, size - 1);
            frac[i] = v - lo[i];
        }
        return new BilinearColumns(lo, hi, frac, size);
    }
}
