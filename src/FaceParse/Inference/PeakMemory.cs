using System.Diagnostics;

namespace FaceParse.Inference;

/// <summary>The process's peak resident memory, resettable on Linux so that one phase of a benchmark (e.g. training after
/// inference) gets its own peak: writing "5" to <c>/proc/self/clear_refs</c> sets the kernel's high-water mark (VmHWM, what
/// <see cref="Process.PeakWorkingSet64"/> reads there) back to the current resident size.</summary>
internal static class PeakMemory
{
    /// <summary>Peak resident bytes since the start or the last successful <see cref="TryReset"/>.</summary>
    public static long PeakBytes()
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return process.PeakWorkingSet64;
    }

    /// <summary>Resets the peak to the current resident size; false where the system has no such reset (not Linux, or
    /// /proc/self/clear_refs not writable), and then <see cref="PeakBytes"/> keeps counting from the start.</summary>
    public static bool TryReset()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }
}
