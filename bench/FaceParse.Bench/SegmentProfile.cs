using System.Diagnostics;
using FaceParse.Imaging;
using FaceParse.Inference;
using FaceParse.Tensors.Runtime;

namespace FaceParse.Bench;

/// <summary>Where one `faceparse segment` photo's time and bytes go, single-threaded, as a batch worker runs it (labels and
/// overlay PNGs encoded in memory): per phase, milliseconds and bytes allocated, then the allocated bytes by type. Large
/// allocations are what sends a batch worker into gen-2 collections. MODE whole parses the frame at SIZE; auto (the CLI's
/// default) detects, aligns and warps back, and its "detect" phase runs the detector once more on its own, so "parse"
/// minus "detect" is the alignment, network and warp back (and the total counts detection twice).
/// <c>dotnet run -c Release --project bench/FaceParse.Bench -- segment-profile PHOTO_FOLDER [COUNT=100] [SIZE=256] [MODE=whole] [perop]</c>
/// (perop: FP-LIIF's per-op decoders instead of the fused ones, for before/after comparisons).</summary>
internal static class SegmentProfile
{
    public static void Run(string[] args)
    {
        string folder = args.Length > 0 ? args[0] : throw new ArgumentException("usage: segment-profile PHOTO_FOLDER [COUNT] [SIZE] [whole|auto] [perop]");
        int count = args.Length > 1 ? int.Parse(args[1]) : 100, size = args.Length > 2 ? int.Parse(args[2]) : 256;
        var mode = args.Length > 3 ? Enum.Parse<FaceMode>(args[3], ignoreCase: true) : FaceMode.Whole;
        Parallelism.Threads = 1;
        FaceParse.Models.FpLiif.FpLiifFastPath.PerOpForm = args.Length > 4 && args[4] == "perop"; // the decoders before fusion, for A/B
        var files = Directory.EnumerateFiles(folder, "*.jpg").Order(StringComparer.Ordinal).Take(count + 5).ToList();
        var parser = FaceParser.Load("default", new FaceParserOptions { InputSize = size, Faces = mode });
        var detector = FaceParse.Detection.MtcnnDetector.Load();
        string[] phases = ["read", "decode", "detect", "parse", "labels png", "overlay png"];
        var ms = new double[phases.Length];
        var bytes = new long[phases.Length];
        using var allocations = new AllocationsByType();
        int g0 = 0, g1 = 0, g2 = 0;
        var jitWarm = TimeSpan.Zero;
        long jitWarmMethods = 0;
        for (int i = 0; i < files.Count; i++)
        {
            bool measured = i >= 5; // five warm-up photos: JIT, pools
            if (i == 5) (allocations.Recording, g0, g1, g2) = (true, GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
            if (i == 5) (jitWarm, jitWarmMethods) = (System.Runtime.JitInfo.GetCompilationTime(), System.Runtime.JitInfo.GetCompiledMethodCount());
            int p = 0;
            long a = GC.GetAllocatedBytesForCurrentThread();
            var clock = Stopwatch.StartNew();
            void Mark()
            {
                long now = GC.GetAllocatedBytesForCurrentThread();
                if (measured) (ms[p], bytes[p]) = (ms[p] + clock.Elapsed.TotalMilliseconds, bytes[p] + now - a);
                (a, p) = (now, p + 1);
                clock.Restart();
            }
            byte[] data = File.ReadAllBytes(files[i]); Mark();
            var photo = ImageCodec.Decode(data).Image; Mark();
            if (mode == FaceMode.Auto) detector.Detect(photo);
            Mark();
            var result = mode == FaceMode.Auto ? parser.Parse(photo) : parser.Parse(photo, (size, size)); Mark(); // auto: labels at the photo's size
            ImageCodec.Encode(result.ToPaletteImage(), ImageFileFormat.Png); Mark();
            ImageCodec.Encode(result.Overlay(photo), ImageFileFormat.Png); Mark();
        }
        allocations.Recording = false;
        var (jitTotal, jitMethods) = (System.Runtime.JitInfo.GetCompilationTime(), System.Runtime.JitInfo.GetCompiledMethodCount());
        Console.WriteLine($"# segment-profile {count} photos of {folder}, {mode} at {size}, 1 thread, cpu {FaceParse.Benchmarks.BenchMachine.CpuName()}, {CpuFeatures.Active}");
        Console.WriteLine($"{"phase",-12} {"ms/photo",9} {"KB/photo",9}");
        for (int p = 0; p < phases.Length; p++) Console.WriteLine($"{phases[p],-12} {ms[p] / count,9:F2} {bytes[p] / 1024.0 / count,9:F0}");
        Console.WriteLine($"{"total",-12} {ms.Sum() / count,9:F2} {bytes.Sum() / 1024.0 / count,9:F0}");
        Console.WriteLine($"GCs over the measured photos: gen0 {GC.CollectionCount(0) - g0}, gen1 {GC.CollectionCount(1) - g1}, gen2 {GC.CollectionCount(2) - g2}");
        Console.WriteLine($"JIT (all threads): {jitWarm.TotalMilliseconds:F0} ms for {jitWarmMethods} methods up to the first measured photo, " +
            $"{(jitTotal - jitWarm).TotalMilliseconds:F0} ms for {jitMethods - jitWarmMethods} more during the measured ones");
        Console.WriteLine("allocated by type (sampled every ~100 KB), KB/photo:");
        foreach (var (type, total) in allocations.Top(15)) Console.WriteLine($"  {total / 1024.0 / count,9:F0}  {type}");
    }
}
