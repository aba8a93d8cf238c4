using FaceParse.Training;

namespace FaceParse.Tests.Training;

public sealed class Xoshiro256Tests
{
    [Fact]
    public void MatchesTheReferenceAlgorithmFromAKnownState()
    {
        // xoshiro256** reference (prng.di.unimi.it) from state {1, 2, 3, 4}; values worked by hand from the published code.
        var rng = new Xoshiro256(0);
        rng.SetState([1, 2, 3, 4]);
        Assert.Equal(11520UL, rng.NextUInt64());
        Assert.Equal(0UL, rng.NextUInt64());
        Assert.Equal(1509978240UL, rng.NextUInt64());
    }

    [Fact]
    public void SplitMix64MatchesItsReferenceOutput()
    {
        ulong x = 0;
        // First output of SplitMix64 seeded with 0 (Vigna's splitmix64.c).
        Assert.Equal(0xE220A8397B1DCDAFUL, Xoshiro256.SplitMix64(ref x));
    }

    [Fact]
    public void StateRoundTripsExactlyThroughWordsAndText()
    {
        var rng = new Xoshiro256(42);
        for (int i = 0; i < 10; i++) rng.NextUInt64();
        var words = rng.GetState();
        var text = rng.StateString;
        var expected = Enumerable.Range(0, 20).Select(_ => rng.NextUInt64()).ToArray();

        var fromWords = new Xoshiro256(7);
        fromWords.SetState(words);
        var fromText = Xoshiro256.FromStateString(text);
        Assert.Equal(expected, Enumerable.Range(0, 20).Select(_ => fromWords.NextUInt64()));
        Assert.Equal(expected, Enumerable.Range(0, 20).Select(_ => fromText.NextUInt64()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("xoshiro256**:1,2,3")]
    [InlineData("xoshiro256**:0,0,0,0")]
    [InlineData("pcg:1,2,3,4")]
    [InlineData("xoshiro256**:1,2,3,zz")]
    public void RejectsMalformedStateStrings(string text) => Assert.Throws<FormatException>(() => Xoshiro256.FromStateString(text));

    [Fact]
    public void DrawsStayInRangeWithPlausibleMoments()
    {
        var rng = new Xoshiro256(1);
        var ints = Enumerable.Range(0, 10_000).Select(_ => rng.Next(7)).ToArray();
        Assert.All(ints, v => Assert.InRange(v, 0, 6));
        Assert.Equal(7, ints.Distinct().Count());
        var doubles = Enumerable.Range(0, 10_000).Select(_ => rng.NextDouble()).ToArray();
        Assert.All(doubles, v => Assert.InRange(v, 0, 1 - 1e-17));
        Assert.InRange(doubles.Average(), 0.48, 0.52);
        var floats = Enumerable.Range(0, 1000).Select(_ => rng.NextFloat()).ToArray();
        Assert.All(floats, v => Assert.True(v is >= 0f and < 1f));
        var normals = Enumerable.Range(0, 20_000).Select(_ => rng.Normal(2, 3)).ToArray();
        double mean = normals.Average(), std = Math.Sqrt(normals.Select(v => (v - mean) * (v - mean)).Average());
        Assert.InRange(mean, 1.9, 2.1);
        Assert.InRange(std, 2.9, 3.1);
        Assert.Equal(5.0, rng.Uniform(5, 5));
    }

    [Fact]
    public void PerSampleStreamsArePureFunctionsOfSeedEpochAndIndex()
    {
        ulong First(ulong seed, int epoch, int index) => Xoshiro256.ForSample(seed, epoch, index).NextUInt64();
        Assert.Equal(First(3, 1, 5), First(3, 1, 5));
        var distinct = new HashSet<ulong> { First(3, 1, 5), First(3, 1, 6), First(3, 2, 5), First(4, 1, 5), Xoshiro256.ForEpoch(3, 1).NextUInt64() };
        Assert.Equal(5, distinct.Count);
    }

    [Fact]
    public void ShuffleIsAPermutation()
    {
        var items = Enumerable.Range(0, 50).ToArray();
        new Xoshiro256(9).Shuffle(items.AsSpan());
        Assert.Equal(Enumerable.Range(0, 50), items.Order());
        Assert.NotEqual(Enumerable.Range(0, 50), items);
    }
}
