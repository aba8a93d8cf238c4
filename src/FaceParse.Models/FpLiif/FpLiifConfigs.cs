namespace FaceParse.Models.FpLiif;

/// <summary>The named FP-LIIF configurations. Parameter counts (19 classes) are asserted against per-layer formulas
/// in the tests.</summary>
public static class FpLiifConfigs
{
    /// <summary>The faithful reading of the paper: 64 channels, groups of 2/6/16 blocks, Z at 1/4, reduction
    /// 576 → 256 → 64, pixel MLP 4 × 256. 2,293,651 parameters.</summary>
    public static FpLiifConfig FpLiif { get; } = new() { Name = "fp-liif" };

    /// <summary>For CPU training: 32 channels, groups 2/4/6, reduction 288 → 128 → 32, pixel MLP width 128.
    /// 354,515 parameters.</summary>
    public static FpLiifConfig Small { get; } = Narrower("fp-liif-small", channels: 32, blocks: [2, 4, 6], reduceHidden: 128, mlpHidden: 128);

    /// <summary>For tests and smoke runs: 16 channels, groups 1/1/2, reduction 144 → 64 → 16, pixel MLP width 64.
    /// 52,851 parameters.</summary>
    public static FpLiifConfig Tiny { get; } = Narrower("fp-liif-tiny", channels: 16, blocks: [1, 1, 2], reduceHidden: 64, mlpHidden: 64);

    /// <summary>fp-liif with other widths and depths; the reduction MLP returns to <paramref name="channels"/>, every
    /// other choice is the faithful reading's.</summary>
    private static FpLiifConfig Narrower(string name, int channels, int[] blocks, int reduceHidden, int mlpHidden) => FpLiif with
    {
        Name = name,
        Channels = channels,
        BlocksPerGroup = blocks,
        ReduceHidden = reduceHidden,
        ReduceOut = channels,
        MlpHidden = mlpHidden,
    };

    /// <summary>Every named configuration.</summary>
    public static IReadOnlyList<FpLiifConfig> All { get; } = [FpLiif, Small, Tiny];

    /// <summary>The configuration called <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">No configuration has that name.</exception>
    public static FpLiifConfig Get(string name) =>
        All.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown FP-LIIF configuration '{name}'; known: {string.Join(", ", All.Select(c => c.Name))}.", nameof(name));
}
