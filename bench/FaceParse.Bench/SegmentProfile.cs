using System.Diagnostics;
using FaceParse.Imaging;
using FaceParse.Inference;
using FaceParse.Tensors.Runtime;

namespace FaceParse.Bench;

/// <summary>Where one `faceparse segment` photo's time and bytes go, single-threaded, as a batch worker runs it (whole
/// frame at SIZE, labels and overlay PNGs encoded in memory): per phase, milliseconds and bytes allocated, then the
/// allocated bytes by type. Large allocations are what sends a batch worker into gen-2 collections.
/// <c>dotnet run -c Release --project bench/FaceParse.Bench -- segment-profile PHOTO_FOLDER [COUNT=100] [SIZE=256]</c></summary>
internal static class SegmentProfile
{
    public static void Run(string[] args)
    {
        string folder = args.Length > 0 ? args[0] : throw new ArgumentException("usage: segment-profile PHOTO_FOLDER [COUNT] [SIZE]");
        int count = args.Length > 1 ? int.Parse(args[1]) : 100, size = args.Length > 2 ? int.Parse(args[2]) : 256;
        Parallelism.Threads = 1;
        var files = Directory.EnumerateFiles(folder, "*.jpg").Order(StringComparer.Ordinal).Take(count + 5).ToList();
        var parser = FaceParser.Load("default", new FaceParserOptions { InputSize = size, Faces = FaceMode.Whole });
        string[] phases = ["read", "decode", "parse", "labels png", "overlay png"];
        var ms = new double[phases.Length];
        var bytes = new long[phases.Length];
        using var allocations = new AllocationsByType();
        int g0 = 0, g1 = 0, g2 = 0;
        for (int i = 0; i < files.Count; i++)
        {
            bool measured = i >= 5; // five warm-up photos: JIT, pools
            if (i == 5) (allocations.Recording, g0, g1, g2) = (true, GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
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
            var result = parser.Parse(photo, (size, size)); Mark();
            ImageCodec.Encode(result.ToPaletteImage(), ImageFileFormat.Png); Mark();
            ImageCodec.Encode(result.Overlay(photo), ImageFileFormat.Png); Mark();
        }
        allocations.Recording = false;
        Console.WriteLine($"# segment-profile {count} photos of {folder}, whole frame at {size}, 1 thread, cpu {FaceParse.Benchmarks.BenchMachine.CpuName()}, {CpuFeatures.Active}");
        Console.WriteLine($"{"phase",-12} {"ms/photo",9} {"KB/photo",9}");
        for (int p = 0; p < phases.Length; p++) Console.WriteLine($"{phases[p],-12} {ms[p] / count,9:F2} {bytes[p] / 1024.0 / count,9:F0}");
        Console.WriteLine($"{"total",-12} {ms.Sum() / count,9:F2} {bytes.Sum() / 1024.0 / count,9:F0}");
        Console.WriteLine($"GCs over the measured photos: gen0 {GC.CollectionCount(0) - g0}, gen1 {GC.CollectionCount(1) - g1}, gen2 {GC.CollectionCount(2) - g2}");
        Console.WriteLine("allocated by type (sampled every ~100 KB), KB/photo:");
        foreach (var (type, total) in allocations.Top(15)) Console.WriteLine($"  {total / 1024.0 / count,9:F0}  {type}");
    }
}
