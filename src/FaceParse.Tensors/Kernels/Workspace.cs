namespace FaceParse.Tensors.Kernels;

/// <summary>Per-thread scratch buffers (pinned, 64-byte aligned) reused across calls so kernels allocate nothing in steady state.</summary>
/// <remarks>
/// A slot belongs to one use on one thread; a kernel that calls another kernel must use different slots
/// (the GEMM packs in <see cref="Slot.PackA"/>/<see cref="Slot.PackB"/>, convolutions in the others).
/// Buffers only grow; a pointer stays valid until the same slot is requested again on the same thread.
/// </remarks>
internal static unsafe class Workspace
{
    public enum Slot { PackA, PackB, Offsets, Input, Weights, Columns, Flipped, WinogradV, WinogradM, Count }

    [ThreadStatic] private static float[]?[]? _buffers;

    /// <summary>A buffer of at least <paramref name="count"/> floats for this thread and slot (contents undefined).</summary>
    public static float* Get(Slot slot, long count)
    {
        var buffers = _buffers ??= new float[]?[(int)Slot.Count];
        float[]? buffer = buffers[(int)slot];
        if (buffer is null || buffer.LongLength < count + 16)
        {
            long size = Math.Max(count + 16, (buffer?.LongLength ?? 0) * 3 / 2);
            if (size > Array.MaxLength) throw new ArgumentException($"Kernel workspace of {count} floats is too large.");
            buffer = GC.AllocateUninitializedArray<float>((int)size, pinned: true);
            buffers[(int)slot] = buffer;
        }
        fixed (float* p = buffer)
        {
            // Pinned arrays never move, so the pointer outlives this fixed block.
            nint aligned = ((nint)p + 63) & ~(nint)63;
            return (float*)aligned;
        }
    }

    /// <summary>Like <see cref="Get"/> for an int table.</summary>
    public static int* GetInts(Slot slot, long count) => (int*)Get(slot, count);
}
