using System.Globalization;
using System.Numerics;

namespace FaceParse.Training;

/// <summary>A small, serialisable pseudo-random generator for training: xoshiro256** (Blackman and Vigna, 2018), seeded through
/// SplitMix64. Unlike <see cref="System.Random"/> its whole state is four 64-bit words that <see cref="GetState"/> /
/// <see cref="SetState"/> (or <see cref="StateString"/> / <see cref="FromStateString"/>) save and restore exactly, so a resumed
/// run draws the same numbers it would have drawn without the interruption.</summary>
/// <remarks>Not thread-safe; give each worker its own instance, e.g. <see cref="ForSample"/>, so results do not depend on
/// thread scheduling. <see cref="Normal"/> uses Box–Muller without a cached spare value, so the state really is the four words.</remarks>
internal sealed class Xoshiro256
{
    private const string StatePrefix = "xoshiro256**:";
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>Seeds the four state words with successive SplitMix64 outputs of <paramref name="seed"/> (the reference seeding).</summary>
    public Xoshiro256(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
    }

    private Xoshiro256(ReadOnlySpan<ulong> state) => SetState(state);

    /// <summary>An independent generator for one sample of one epoch: a pure function of (run seed, epoch, sample index), so a
    /// sample's augmentation is the same whichever worker thread draws it and whenever it is drawn.</summary>
    public static Xoshiro256 ForSample(ulong runSeed, int epoch, int sampleIndex) =>
        new(Mix(Mix(runSeed ^ 0x5EED_0000_0000_0001UL, (ulong)(uint)epoch), (ulong)(uint)sampleIndex));

    /// <summary>A generator for per-epoch decisions (e.g. the shuffle), independent of <see cref="ForSample"/> streams.</summary>
    public static Xoshiro256 ForEpoch(ulong runSeed, int epoch) => new(Mix(runSeed ^ 0xE90C_0000_0000_0002UL, (ulong)(uint)epoch));

    /// <summary>The SplitMix64 step (Steele, Lea and Flood 2014): advances <paramref name="x"/> and returns a well-mixed word.</summary>
    public static ulong SplitMix64(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong Mix(ulong a, ulong b)
    {
        ulong x = a ^ (b * 0xD1B54A32D192ED03UL);
        return SplitMix64(ref x);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform integer in [0, <paramref name="maxExclusive"/>), unbiased (Lemire's multiply-and-reject).</summary>
    public int Next(int maxExclusive)
    {
        if (maxExclusive <= 0) throw new ArgumentOutOfRangeException(nameof(maxExclusive), $"Bound must be positive, got {maxExclusive}.");
        ulong bound = (ulong)maxExclusive;
        ulong threshold = (0UL - bound) % bound;
        while (true)
        {
            ulong product = (NextUInt64() >> 32) * bound;
            if ((uint)product >= threshold) return (int)(product >> 32);
        }
    }

    /// <summary>Uniform integer in [<paramref name="minInclusive"/>, <paramref name="maxExclusive"/>).</summary>
    public int Next(int minInclusive, int maxExclusive) => minInclusive + Next(maxExclusive - minInclusive);

    /// <summary>Uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform float in [0, 1) with 24 random bits.</summary>
    public float NextFloat() => (NextUInt64() >> 40) * (1f / (1 << 24));

    /// <summary>Uniform double in [<paramref name="low"/>, <paramref name="high"/>); returns <paramref name="low"/> without
    /// drawing when the range is empty, so disabled augmentations do not shift the stream of the others.</summary>
    public double Uniform(double low, double high) => high > low ? low + (high - low) * NextDouble() : low;

    /// <summary>A normal deviate (Box–Muller, two uniforms per call).</summary>
    public double Normal(double mean = 0, double std = 1)
    {
        double u1 = 1.0 - NextDouble(); // (0, 1], safe for Log
        double u2 = NextDouble();
        return mean + std * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>Shuffles <paramref name="items"/> in place (Fisher–Yates).</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>The four state words.</summary>
    public ulong[] GetState() => [_s0, _s1, _s2, _s3];

    /// <summary>Restores the state from <see cref="GetState"/>; the all-zero state (a fixed point) is rejected.</summary>
    public void SetState(ReadOnlySpan<ulong> state)
    {
        if (state.Length != 4) throw new ArgumentException($"xoshiro256** state has 4 words, got {state.Length}.", nameof(state));
        if ((state[0] | state[1] | state[2] | state[3]) == 0) throw new ArgumentException("xoshiro256** state must not be all zero.", nameof(state));
        (_s0, _s1, _s2, _s3) = (state[0], state[1], state[2], state[3]);
    }

    /// <summary>The state as text: <c>xoshiro256**:</c> and four 16-digit hex words separated by commas.</summary>
    public string StateString => StatePrefix + string.Join(",", GetState().Select(w => w.ToString("x16", CultureInfo.InvariantCulture)));

    /// <summary>A generator whose state is parsed from <see cref="StateString"/>.</summary>
    /// <exception cref="FormatException">The text is not a state string.</exception>
    public static Xoshiro256 FromStateString(string state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var words = state.StartsWith(StatePrefix, StringComparison.Ordinal) ? state[StatePrefix.Length..].Split(',') : [];
        var parsed = new ulong[4];
        if (words.Length != 4 || !words.Select((w, i) => ulong.TryParse(w, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out parsed[i])).All(ok => ok)
            || parsed.All(w => w == 0))
            throw new FormatException($"Not a xoshiro256** state: '{state}' (expected '{StatePrefix}' and four non-zero-total hex words).");
        return new Xoshiro256(parsed);
    }

    public override string ToString() => StateString;
}
