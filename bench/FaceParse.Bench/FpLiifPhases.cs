using System.Diagnostics;
using FaceParse.Models.FpLiif;
using FaceParse.Nn;
using FaceParse.Tensors;
using FaceParse.Tensors.Runtime;
using FpLiifModel = FaceParse.Models.FpLiif.FpLiif;

namespace FaceParse.Bench;

/// <summary>Milliseconds per stage of one FP-LIIF inference on one thread — input normalisation, head conv, each residual
/// group and strided conv, the decoder — the median over REPEATS calls after warm-up, seeded weights, a uniform random
/// input. Run alone and as two processes at once (<c>B="dotnet …/FaceParse.Bench.dll fp-liif-phases"; $B; ($B &amp; $B; wait)</c>)
/// it shows which stages lose time to a second worker on the other core (shared memory bandwidth) and which do not.
/// CHUNK overrides the decoder's <see cref="FpLiifConfig.ChunkPixels"/>; several sizes are timed interleaved, call by call.
/// <c>dotnet bench/FaceParse.Bench/bin/Release/net10.0/FaceParse.Bench.dll fp-liif-phases [MODEL=fp-liif-small] [SIZE=256] [OUT=256] [REPEATS=60] [CHUNK[,CHUNK…]] [THREADS=1]</c></summary>
internal static class FpLiifPhases
{
    public static void Run(string[] args)
    {
        string model = args.Length > 0 ? args[0] : "fp-liif-small";
        int size = args.Length > 1 ? int.Parse(args[1]) : 256, outSize = args.Length > 2 ? int.Parse(args[2]) : 256;
        int repeats = args.Length > 3 ? int.Parse(args[3]) : 60;
        var baseConfig = FpLiifConfigs.Get(model);
        int[] chunks = args.Length > 4 ? [.. args[4].Split(',').Select(int.Parse)] : [baseConfig.ChunkPixels];
        Parallelism.Threads = args.Length > 5 ? int.Parse(args[5]) : 1;
        // one network per chunk size (the same seeded weights), the calls interleaved so drift hits all alike
        var nets = chunks.Select(c => new FpLiifModel(VarBuilder.Init(1), baseConfig with { ChunkPixels = c })).ToArray();
        var net = nets[0];
        var x = Tensor.Uniform(new Random(1), 0f, 1f, 1, 3, size, size);
        var enc = net.Encoder;
        var names = new List<string> { "normalise", "head" };
        for (int i = 0; i < enc.Groups.Count; i++)
        {
            names.Add($"group {i}");
            if (i < enc.Down.Count) names.Add($"down {i}");
        }
        names.AddRange(chunks.Select(c => $"decoder {c}"));
        var samples = names.Select(_ => new List<double>()).ToArray();
        using var noGrad = GradMode.NoGrad();
        var mean = Tensor.FromArray([.. baseConfig.InputMean], 1, 3, 1, 1);
        var invStd = Tensor.FromArray([.. baseConfig.InputStd.Select(s => 1f / s)], 1, 3, 1, 1);
        for (int r = -5; r < repeats; r++) // five warm-up calls: JIT, pools
        {
            using var scope = new TensorScope();
            int p = 0;
            var clock = Stopwatch.StartNew();
            void Mark()
            {
                if (r >= 0) samples[p].Add(clock.Elapsed.TotalMilliseconds);
                p++;
                clock.Restart();
            }
            var h = x.Sub(mean).Mul(invStd); Mark();
            h = enc.Head.Forward(h); Mark();
            for (int i = 0; i < enc.Groups.Count; i++)
            {
                h = enc.Groups[i].Forward(h); Mark();
                if (i < enc.Down.Count) { h = enc.Down[i].Forward(h); Mark(); }
            }
            var g = h.Mean([2, 3]);
            foreach (var each in nets) { FpLiifFastPath.Decode(each.Decoder, h, g, outSize, outSize); Mark(); }
        }
        Console.WriteLine($"# fp-liif-phases {model} {size} → {outSize}, {Parallelism.Threads} thread(s), median of {repeats}, {CpuFeatures.Active}");
        double encoder = 0;
        for (int p = 0; p < names.Count; p++)
        {
            double median = samples[p].Order().ElementAt(samples[p].Count / 2);
            if (p < names.Count - nets.Length) encoder += median;
            Console.WriteLine($"{names[p],-14} {median,8:F2} ms");
        }
        Console.WriteLine($"{"encoder",-14} {encoder,8:F2} ms");
    }
}
