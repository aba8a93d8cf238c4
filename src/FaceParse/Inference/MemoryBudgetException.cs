namespace FaceParse.Inference;

/// <summary>A parse was refused because its estimated memory exceeds <see cref="FaceParserOptions.MemoryBudget"/>; nothing
/// ran. Ask for a smaller output size, drop kept probabilities/logits, or raise the budget.</summary>
public sealed class MemoryBudgetException : Exception
{
    public MemoryBudgetException(long neededBytes, long budgetBytes, string what)
        : base($"{what} need about {Mib(neededBytes)} MiB, over the per-image memory budget of {Mib(budgetBytes)} MiB")
    {
        NeededBytes = neededBytes;
        BudgetBytes = budgetBytes;
    }

    /// <summary>The estimate that was refused.</summary>
    public long NeededBytes { get; }

    /// <summary>The budget in force.</summary>
    public long BudgetBytes { get; }

    private static long Mib(long bytes) => (bytes + (1 << 20) - 1) >> 20;
}
