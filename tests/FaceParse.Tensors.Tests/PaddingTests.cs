using FaceParse.Tensors;

namespace FaceParse.Tensors.Tests;

public sealed class PaddingTests
{
    private static readonly Tensor Row = Tensor.FromArray([1f, 2f, 3f, 4f], 1, 4);

    [Fact]
    public void KnownValuesForEachMode()
    {
        Assert.Equal([3f, 2f, 1f, 2f, 3f, 4f, 3f], Row.Pad([2, 1], PadMode.Reflect).ToArray());
        Assert.Equal([1f, 1f, 1f, 2f, 3f, 4f, 4f], Row.Pad([2, 1], PadMode.Replicate).ToArray());
        Assert.Equal([9f, 9f, 1f, 2f, 3f, 4f, 9f], Row.Pad([2, 1], PadMode.Constant, 9f).ToArray());
        Assert.Equal([2f, 3f], Row.Pad([-1, -1]).ToArray());              // negative constant pads crop
        Assert.Equal([0f, 0f, 0f, 0f, 1f, 2f, 3f, 4f], Row.Pad([0, 0, 1, 0]).ToArray()); // (left, right, top, bottom)
        var img = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 1, 1, 2, 3);
        // reflect (1, 1, 1, 0): rows [5 4 5 6 5], [2 1 2 3 2], [5 4 5 6 5]
        Assert.Equal([5f, 4f, 5f, 6f, 5f, 2f, 1f, 2f, 3f, 2f, 5f, 4f, 5f, 6f, 5f], img.Pad([1, 1, 1, 0], PadMode.Reflect).ToArray());
    }

    [Theory]
    [InlineData(PadMode.Constant, new[] { 2, 1, 0, 3 })]
    [InlineData(PadMode.Constant, new[] { -1, 2, 1, -2, 1, 1 })]
    [InlineData(PadMode.Reflect, new[] { 3, 2, 1, 2 })]
    [InlineData(PadMode.Replicate, new[] { 4, 1, 2, 3 })]
    [InlineData(PadMode.Reflect, new[] { 1, 1 })]
    public void MatchesIndexMapReferenceAndFiniteDifferences(PadMode mode, int[] pads)
    {
        var rng = new Random(pads.Sum() + (int)mode);
        var x = OpCheck.Input(rng, [2, 3, 4, 5]);
        var y = x.Pad(pads, mode, 0.5f);
        int[] outShape = [.. x.Shape];
        for (int i = 0; i < pads.Length / 2; i++) outShape[3 - i] += pads[2 * i] + pads[2 * i + 1];
        Assert.Equal(outShape, y.Shape);
        var expected = new float[Shapes.Count(outShape)];
        var idx = new int[4];
        for (int i = 0; i < expected.Length; i++)
        {
            int rem = i;
            bool inside = true;
            for (int d = 3; d >= 0; d--)
            {
                int o = rem % outShape[d];
                rem /= outShape[d];
                int before = 3 - d < pads.Length / 2 ? pads[2 * (3 - d)] : 0, src = o - before, n = x.Dim(d);
                if (mode == PadMode.Reflect) src = src < 0 ? -src : src >= n ? 2 * n - 2 - src : src;
                else if (mode == PadMode.Replicate) src = Math.Clamp(src, 0, n - 1);
                inside &= src >= 0 && src < n;
                idx[d] = src;
            }
            expected[i] = inside ? x[idx] : 0.5f;
        }
        OpCheck.Close(expected, y.ToArray(), 0, 0, $"pad {mode}");
        OpCheck.Gradients(v => v[0].Pad(pads, mode, 0.5f), [x]);
    }

    [Fact]
    public void BadArgumentsThrow()
    {
        Assert.Contains("[1, 4]", Assert.Throws<ArgumentException>(() => Row.Pad([4, 0], PadMode.Reflect)).Message);
        Assert.Throws<ArgumentException>(() => Row.Pad([1]));
        Assert.Throws<ArgumentException>(() => Row.Pad([1, 1, 1, 1, 1, 1]));
        Assert.Throws<ArgumentException>(() => Row.Pad([-1, 0], PadMode.Replicate));
        Assert.Throws<ArgumentException>(() => Row.Pad([-3, -2]));
    }
}
