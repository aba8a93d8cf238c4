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
    public static FpLiifConfig Small { get; } = new()
    {
        Name = "fp-liif-small",
        Channels = 32,
        BlocksPerGroup = [2, 4, 6],
        ReduceHidden = 128,
        ReduceOut = 32,
        MlpHidden = 128,
    };

    /// <summary>For tests and smoke runs: 16 channels, groups 1/1/2, reduction 144 → 64 → 16, pixel MLP width 64.
    /// 52,851 parameters.</summary>
    public static FpLiifConfig Tiny { get; } = new()
    {
        Name = "fp-liif-tiny",
        Channels = 16,
        BlocksPerGroup = [1, 1, 2],
        ReduceHidden = 64,
        ReduceOut = 16,
        MlpHidden = 64,
    };

    /// <summary>Every named configuration.</summary>
    public static IReadOnlyList<FpLiifConfig> All { get; } = [FpLiif, Small, Tiny];

    /// <summary>The configuration called <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">No configuration has that name.</exception>
    public static FpLiifConfig Get(string name) =>
        All.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown FP-LIIF configuration '{name}'; known: {string.Join(", ", All.Select(c => c.Name))}.", nameof(name));
}
