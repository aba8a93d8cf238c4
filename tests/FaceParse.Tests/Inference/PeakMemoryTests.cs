using System.Runtime.InteropServices;
using FaceParse.Inference;

namespace FaceParse.Tests.Inference;

/// <summary>The resettable peak behind `bench model`'s training-phase memory: a transient 512 MiB allocation raises the
/// peak, and a reset after it is freed brings the peak back down. Runs alone (other tests' memory would blur it).</summary>
[Collection("alone")]
public sealed class PeakMemoryTests
{
    [Fact]
    public unsafe void ResetForgetsAFreedAllocationOnLinux()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "the peak reset is Linux's /proc/self/clear_refs");
        const long bytes = 512L << 20;
        // Settle the heap first: a collection that returns memory between the reset and the touch (earlier tests leave
        // plenty) would lower the resident baseline under the block and make the peak look smaller than it is.
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        Assert.True(PeakMemory.TryReset());
        long before = PeakMemory.PeakBytes();
        byte* block = (byte*)NativeMemory.Alloc((nuint)bytes);
        try
        {
            for (long i = 0; i < bytes; i += 4096) block[i] = 1; // touch every page: resident
        }
        finally { NativeMemory.Free(block); }
        long withBlock = PeakMemory.PeakBytes();
        Assert.True(withBlock - before >= bytes * 9 / 10, $"peak {before >> 20} → {withBlock >> 20} MiB after touching 512 MiB");

        Assert.True(PeakMemory.TryReset());
        long after = PeakMemory.PeakBytes();
        Assert.True(withBlock - after >= bytes * 8 / 10, $"peak {withBlock >> 20} MiB, {after >> 20} MiB after the reset");
    }
}

[CollectionDefinition("alone", DisableParallelization = true)]
public sealed class AloneCollection;
