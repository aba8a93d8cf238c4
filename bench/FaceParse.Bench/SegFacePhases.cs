using System.Diagnostics;
using FaceParse.Models.SegFace;
using FaceParse.Nn;
using FaceParse.Tensors;
using FaceParse.Tensors.Runtime;

namespace FaceParse.Bench;

/// <summary>Where SegFace's inference time goes, by phase (backbone taps, MLP fusion, positional encoding, decoder with
/// upscaling), minimum of N interleaved runs each, random weights.
/// <c>dotnet run -c Release --project bench/FaceParse.Bench -- segface-phases PRESET SIZE [THREADS] [REPEATS]</c></summary>
internal static class SegFacePhases
{
    public static void Run(string[] args)
    {
        if (args.Length < 2) throw new ArgumentException("usage: segface-phases PRESET SIZE [THREADS] [REPEATS]");
        int size = int.Parse(args[1]);
        Parallelism.Threads = args.Length > 2 ? int.Parse(args[2]) : 2;
        int repeats = args.Length > 3 ? int.Parse(args[3]) : 7;
        string backbone = args[0].StartsWith("segface-", StringComparison.Ordinal) ? args[0]["segface-".Length..] : args[0];
        var config = new SegFaceConfig(SegFaceConfig.Parse(backbone), SegFaceConfig.CelebAMaskTokens);
        var model = new SegFaceModel(VarBuilder.Init(1), config);
        model.Eval();
        var x = Tensor.Uniform(new Random(1), 0f, 1f, 1, 3, size, size);
        using var noGrad = GradMode.NoGrad();
        double[] best = [double.MaxValue, double.MaxValue, double.MaxValue, double.MaxValue];
        for (int r = 0; r < repeats + 2; r++)
        {
            using var scope = new TensorScope();
            long t0 = Stopwatch.GetTimestamp();
            var taps = model.Backbone.Taps(x);
            long t1 = Stopwatch.GetTimestamp();
            var fused = FeatureFusion.Fuse(taps, model.LinearC, model.LinearFuse);
            long t2 = Stopwatch.GetTimestamp();
            var pe = model.PeLayer.Forward(fused.Dim(2), fused.Dim(3)).Unsqueeze(0);
            long t3 = Stopwatch.GetTimestamp();
            model.FaceDecoder.Forward(fused, pe);
            long t4 = Stopwatch.GetTimestamp();
            if (r < 2) continue; // warm-up
            long[] marks = [t0, t1, t2, t3, t4];
            for (int p = 0; p < 4; p++) best[p] = Math.Min(best[p], Stopwatch.GetElapsedTime(marks[p], marks[p + 1]).TotalMilliseconds);
        }
        Console.WriteLine($"# segface-phases {args[0]} size {size} threads {Parallelism.Threads} cpu {FaceParse.Benchmarks.BenchMachine.CpuName()}, {CpuFeatures.Active}, min of {repeats}");
        Decoder(model, x);
        Console.WriteLine($"backbone {best[0]:F1} ms, fusion {best[1]:F1} ms, positional encoding {best[2]:F1} ms, decoder+upscaling {best[3]:F1} ms");
    }

    // The decoder's own steps at this size (min of 5 each).
    private static void Decoder(SegFaceModel model, Tensor x)
    {
        using var scope = new TensorScope();
        var taps = model.Backbone.Taps(x);
        var fused = FeatureFusion.Fuse(taps, model.LinearC, model.LinearFuse);
        var pe = model.PeLayer.Forward(fused.Dim(2), fused.Dim(3)).Unsqueeze(0);
        var d = model.FaceDecoder;
        int n = fused.Dim(0), c = fused.Dim(1), h = fused.Dim(2), w = fused.Dim(3);
        var tokens = Tensor.Concat(d.Tokens.Select(t => t.Weight).ToArray(), 0).Unsqueeze(0).Expand(n, -1, -1);
        var (hs, src) = d.Transformer.Forward(fused, pe.Expand(n, -1, -1, -1), tokens);
        var map = src.Transpose(1, 2).Reshape(n, c, h, w);
        var u1 = d.Up1.Forward(map);
        var u2 = d.UpNorm.Forward(u1);
        var u3 = u2.Gelu();
        var u4 = d.Up2.Forward(u3);
        var u5 = u4.Gelu();
        var hyper = d.Hyper.Forward(hs);
        int uh = u5.Dim(2), uw = u5.Dim(3);
        var steps = new (string Name, Action Run)[]
        {
            ("transformer", () => d.Transformer.Forward(fused, pe.Expand(n, -1, -1, -1), tokens)),
            ("conv_transpose 1", () => d.Up1.Forward(map)),
            ("layer_norm2d", () => d.UpNorm.Forward(u1)),
            ("gelu 1", () => u2.Gelu()),
            ("conv_transpose 2", () => d.Up2.Forward(u3)),
            ("gelu 2", () => u4.Gelu()),
            ("hyper · up", () => hyper.MatMul(u5.Reshape(n, u5.Dim(1), uh * uw))),
            ("fusion", () => FeatureFusion.Fuse(taps, model.LinearC, model.LinearFuse)),
            ("positional encoding", () => model.PeLayer.Forward(h, w)),
        };
        int h0 = taps[0].Dim(2), w0 = taps[0].Dim(3);
        var mapped = taps.Select((t, i) => model.LinearC[i].Forward(t)).ToArray();
        var upsampled = mapped.Select(m => m.Dim(2) == h0 ? m : m.Interpolate(h0, w0, InterpolateMode.Bilinear, alignCorners: false)).Reverse().ToArray();
        var cat = Tensor.Concat(upsampled, 1);
        steps = [.. steps,
            .. taps.Select((t, i) => ($"linear_c {i} ({t.Dim(1)}@{t.Dim(2)})", (Action)(() => model.LinearC[i].Forward(t)))),
            .. mapped.Where(m => m.Dim(2) != h0).Select(m => ($"upsample {m.Dim(2)}→{h0}", (Action)(() => m.Interpolate(h0, w0, InterpolateMode.Bilinear, alignCorners: false)))),
            ("concat", () => Tensor.Concat(upsampled, 1)),
            ("linear_fuse", () => model.LinearFuse.Forward(cat))];
        Console.WriteLine(string.Join(", ", steps.Select(s =>
        {
            double best = double.MaxValue;
            for (int r = 0; r < 5; r++)
            {
                using var inner = new TensorScope();
                long t0 = Stopwatch.GetTimestamp();
                s.Run();
                best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            }
            return $"{s.Name} {best:F1} ms";
        })));
    }
}
