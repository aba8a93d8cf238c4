using System.Diagnostics;
using FaceParse.Architectures;
using FaceParse.Models.FpLiif;
using FaceParse.Nn;
using FaceParse.Nn.Optimizers;
using FaceParse.Tensors;
using FaceParse.Tensors.Runtime;
using FpLiifModel = FaceParse.Models.FpLiif.FpLiif;

namespace FaceParse.Bench;

/// <summary>Where FP-LIIF's work and bytes go, counted rather than timed (the development machine is shared):
/// analytic FLOPs per phase, bytes allocated per phase (all threads), bytes still live after a training step, and the
/// process's peak working set. One scenario per process, so the peak belongs to it alone. Timings, when asked for, are
/// interleaved A/B minimums in the same process and reported as ratios.
/// <c>dotnet run -c Release --project bench/FaceParse.Bench -- fp-liif-profile infer|train MODEL SIZE OUT|BATCH [THREADS] [AB_REPEATS] [perop]</c></summary>
internal static class FpLiifProfile
{
    public static void Run(string[] args)
    {
        long start = Environment.TickCount64;
        if (args.Length < 4) throw new ArgumentException("usage: fp-liif-profile infer|train MODEL SIZE OUT|BATCH [THREADS] [AB_REPEATS]");
        string mode = args[0], model = args[1];
        int size = int.Parse(args[2]), fourth = int.Parse(args[3]);
        Parallelism.Threads = args.Length > 4 ? int.Parse(args[4]) : 2;
        int repeats = args.Length > 5 ? int.Parse(args[5]) : 0;
        FpLiifFastPath.PerOpForm = args.Length > 6 && args[6] == "perop"; // the form before the fused decoder, for before/after peaks
        var config = FpLiifConfigs.Get(model);
        Console.WriteLine($"# {mode} {model} size {size} {(mode == "infer" ? "out" : "batch")} {fourth} threads {Parallelism.Threads} cpu {FaceParse.Benchmarks.BenchMachine.CpuName()}, {CpuFeatures.Active}");
        if (mode == "infer") Infer(config, size, fourth, repeats);
        else if (mode == "train") Train(config, size, fourth);
        else throw new ArgumentException($"unknown mode {mode}");
        Console.WriteLine($"peak working set: {PeakMib():F0} MiB; GCs gen0/1/2 {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}, " +
            $"GC pause {GC.GetTotalPauseDuration().TotalMilliseconds:F0} ms of {Environment.TickCount64 - start} ms wall");
    }

    private static void Infer(FpLiifConfig cfg, int size, int outSize, int repeats)
    {
        var net = new FpLiifModel(VarBuilder.Init(1), cfg);
        var x = Tensor.Uniform(new Random(1), 0f, 1f, 1, 3, size, size);
        using var noGrad = GradMode.NoGrad();
        for (int i = 0; i < 2; i++) using (new TensorScope()) net.Forward(x, outSize, outSize); // warm-up: JIT, pools
        int hf = (size + 3) / 4, m = outSize * outSize, hid = cfg.MlpHidden, k = cfg.NumClasses;
        long encAlloc, decAlloc;
        using (new TensorScope())
        {
            long a0 = Allocated();
            var (z, g) = net.Encode(x);
            encAlloc = Allocated() - a0;
            a0 = Allocated();
            FpLiifFastPath.Decode(net.Decoder, z, g, outSize, outSize);
            decAlloc = Allocated() - a0;
        }
        double enc = EncoderFlops(cfg, size), reduce = 2.0 * hf * hf * (9 * cfg.Channels * cfg.ReduceHidden + cfg.ReduceHidden * cfg.ReduceOut + cfg.ReduceOut * hid);
        double mlp = 2.0 * m * (hid * hid * (cfg.MlpLayers - 2) + hid * k), sample = 12.0 * m * hid;
        Console.WriteLine($"GFLOP encoder {enc / 1e9:F3}, reduce+W_feat at latent {reduce / 1e9:F3}, sampling+W_pe+ReLU {sample / 1e9:F3}, pixel MLP GEMMs {mlp / 1e9:F3}");
        // bytes of [hidden, m] activations written by the decoder: per-op form = grid_sample, +g, W_pe·pe, +, ReLU, then per
        // hidden layer matmul, +bias, ReLU, and the last layer's matmul, +bias and the copy into the output.
        double slab = 4.0 * hid * m, perOp = slab * (5 + 3 * (cfg.MlpLayers - 2)) + 4.0 * k * m * 3, fused = slab * (1 + (cfg.MlpLayers - 2)) + 4.0 * k * m;
        Console.WriteLine($"decoder activation bytes written: per-op form {perOp / 1e6:F0} MB, fused {fused / 1e6:F0} MB");
        Console.WriteLine($"allocated (all threads, steady state): encoder {encAlloc / 1e6:F2} MB, decoder {decAlloc / 1e6:F2} MB");
        if (repeats > 0) AbDecoder(net, x, outSize, repeats);
    }

    // Interleaved per-op vs fused decode of the same latent, min of N each (ratios only: the machine is shared).
    private static void AbDecoder(FpLiifModel net, Tensor x, int outSize, int repeats)
    {
        var (z, g) = net.Encode(x);
        double perOp = double.MaxValue, fused = double.MaxValue;
        for (int i = 0; i < repeats; i++)
            foreach (bool usePerOp in new[] { true, false })
            {
                FpLiifFastPath.PerOpForm = usePerOp;
                long t0 = Stopwatch.GetTimestamp();
                using (new TensorScope()) FpLiifFastPath.Decode(net.Decoder, z, g, outSize, outSize);
                double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                if (usePerOp) perOp = Math.Min(perOp, ms); else fused = Math.Min(fused, ms);
            }
        FpLiifFastPath.PerOpForm = false;
        Console.WriteLine($"decoder A/B, min of {repeats} interleaved: per-op {perOp:F1} ms, fused {fused:F1} ms, ratio fused/per-op {fused / perOp:F3}");
    }

    private static void Train(FpLiifConfig cfg, int size, int batch)
    {
        var (arch, preset) = ArchitectureRegistry.GetPreset(cfg.Name);
        _ = arch;
        var network = (FaceParse.Architectures.FpLiif.FpLiifNetwork)BuildNetwork(preset, cfg);
        var optimizer = new AdamW([new ParamGroup(network.Module.NamedParameters())], lr: 1e-4);
        var context = new TrainingStepContext(seed: 7);
        var random = new Random(7);
        var images = Tensor.Uniform(random, 0f, 1f, batch, 3, size, size);
        var labelData = new int[batch * size * size];
        for (int i = 0; i < labelData.Length; i++) labelData[i] = random.Next(cfg.NumClasses);
        var labels = new IntTensor(labelData, batch, size, size);
        long baseline = GC.GetTotalMemory(true);
        using var byType = new AllocationsByType();
        int steps = int.TryParse(Environment.GetEnvironmentVariable("FP_PROFILE_STEPS"), out int st) ? st : 3;
        for (int step = 0; step < steps; step++)
        {
            byType.Recording = step == steps - 1; // the last, warm step
            using var scope = new TensorScope(releaseActivationsInBackward: true); // as the trainer's step
            long a0 = Allocated();
            var (z, g) = network.Model.Encode(images);
            long a1 = Allocated();
            var loss = network.TrainingLossFrom(z, g, labels, context);
            long a2 = Allocated();
            long liveForward = Environment.GetEnvironmentVariable("FP_PROFILE_LIVE") == "1" ? GC.GetTotalMemory(true) - baseline : -1;
            if (liveForward >= 0) Console.WriteLine($"step {step}: live after forward (what the tape holds) {liveForward / 1e6:F1} MB");
            loss.Backward();
            long a3 = Allocated();
            optimizer.Step();
            optimizer.ZeroGrad();
            long a4 = Allocated();
            long live = GC.GetTotalMemory(true) - baseline;
            Console.WriteLine($"step {step}: allocated MB encoder fwd {(a1 - a0) / 1e6:F0}, decoder+loss fwd {(a2 - a1) / 1e6:F0}, backward {(a3 - a2) / 1e6:F0}, " +
                $"AdamW {(a4 - a3) / 1e6:F0}; live after step {live / 1e6:F1} MB (loss tensor still referenced)");
            GC.KeepAlive(loss);
        }
        byType.Recording = false;
        Console.WriteLine("last step's allocations by type (all threads, sampled): " +
            string.Join("; ", byType.Top(8).Select(t => $"{t.Bytes / 1e6:F1} MB {t.Type}")));
        Console.WriteLine($"encoder GFLOP per image forward {EncoderFlops(cfg, size) / 1e9:F3}");
        if (int.TryParse(Environment.GetEnvironmentVariable("FP_PROFILE_AB_RECYCLE"), out int ab) && ab > 0)
        {
            // Interleaved steps with backward recycling on and off, min of N each (ratios only: the machine is shared).
            double on = double.MaxValue, off = double.MaxValue;
            for (int i = 0; i < ab; i++)
                foreach (bool recycle in i % 2 == 0 ? new[] { true, false } : new[] { false, true }) // alternate which goes first
                {
                    TensorPool.RecycleBackward = recycle;
                    long t0 = Stopwatch.GetTimestamp();
                    network.TrainingLoss(images, labels, context).Backward();
                    optimizer.Step();
                    optimizer.ZeroGrad();
                    double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                    if (recycle) on = Math.Min(on, ms); else off = Math.Min(off, ms);
                }
            TensorPool.RecycleBackward = true;
            Console.WriteLine($"training step A/B, min of {ab} interleaved: recycling off {off:F0} ms, on {on:F0} ms, ratio on/off {on / off:F3}");
        }
    }

    private static ParsingNetwork BuildNetwork(string preset, FpLiifConfig cfg) =>
        new FaceParse.Architectures.FpLiif.FpLiifArchitecture().Build(VarBuilder.Init(1), cfg with { Name = preset });

    private static double EncoderFlops(FpLiifConfig cfg, int size)
    {
        double c = cfg.Channels, flops = 2.0 * 3 * c * 9 * size * size;
        int s = size;
        for (int gi = 0; gi < cfg.BlocksPerGroup.Count; gi++)
        {
            int convs = 2 * cfg.BlocksPerGroup[gi] + (cfg.GroupResidualConv ? 1 : 0);
            flops += convs * 2.0 * c * c * 9 * s * s;
            if (gi < cfg.DownStrides.Count)
            {
                s = (s + cfg.DownStrides[gi] - 1) / cfg.DownStrides[gi];
                flops += 2.0 * c * c * 9 * s * s;
            }
        }
        return flops;
    }

    private static long Allocated() => GC.GetTotalAllocatedBytes(precise: true);

    private static double PeakMib()
    {
        using var p = Process.GetCurrentProcess();
        p.Refresh();
        return p.PeakWorkingSet64 / (1024.0 * 1024.0);
    }
}
