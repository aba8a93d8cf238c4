using System.Diagnostics;
using FaceParse.Architectures;
using FaceParse.Inference;
using FaceParse.Labels;
using FaceParse.Nn.Optimizers;
using FaceParse.Tensors;
using FaceParse.Tensors.Runtime;

namespace FaceParse.Bench;

/// <summary>Where a training step's bytes go, for any registered preset (SegFace included), counted rather than timed:
/// per step the bytes allocated (all threads), what the tape holds after the forward pass, the pool's idle buffers
/// after the step and the process's peak so far; then the last step's allocations by type.
/// <c>dotnet run -c Release --project bench/FaceParse.Bench -- train-profile PRESET SIZE BATCH [THREADS] [STEPS]</c></summary>
internal static class TrainProfile
{
    public static void Run(string[] args)
    {
        if (args.Length < 3) throw new ArgumentException("usage: train-profile PRESET SIZE BATCH [THREADS] [STEPS]");
        string preset = args[0];
        int size = int.Parse(args[1]), batch = int.Parse(args[2]);
        Parallelism.Threads = args.Length > 3 ? int.Parse(args[3]) : 2;
        int steps = args.Length > 4 ? int.Parse(args[4]) : 4;
        var model = SegmentationModel.CreateNew(preset, LabelSets.CelebAMaskHq, size, seed: 1);
        var network = model.Network;
        var optimizer = new AdamW([new ParamGroup(network.Module.NamedParameters())], lr: 1e-4);
        var context = new TrainingStepContext(seed: 7);
        var random = new Random(7);
        var images = Tensor.Uniform(random, 0f, 1f, batch, 3, size, size);
        var labelData = new int[batch * size * size];
        for (int i = 0; i < labelData.Length; i++) labelData[i] = random.Next(model.Labels.Count);
        var labels = new IntTensor(labelData, batch, size, size);
        long weights = GC.GetTotalMemory(true);
        Console.WriteLine($"# train-profile {preset} size {size} batch {batch} threads {Parallelism.Threads} cpu {FaceParse.Benchmarks.BenchMachine.CpuName()}, {CpuFeatures.Active}; " +
            $"managed heap with weights and inputs {weights / 1e6:F0} MB");
        using var byType = new AllocationsByType();
        for (int step = 0; step < steps; step++)
        {
            byType.Recording = step == steps - 1;
            long a0 = GC.GetTotalAllocatedBytes(precise: true);
            long tape;
            using (new TensorScope(releaseActivationsInBackward: true)) // as the trainer's step
            {
                var loss = network.TrainingLoss(images, labels, context);
                tape = GC.GetTotalMemory(true) - weights; // live: activations the tape holds, plus idle pool buffers
                loss.Backward();
                optimizer.Step();
                optimizer.ZeroGrad();
            }
            long allocated = GC.GetTotalAllocatedBytes(precise: true) - a0;
            Console.WriteLine($"step {step}: allocated {allocated / 1e6:F0} MB; live after forward {tape / 1e6:F0} MB; " +
                $"pool idle after step {TensorPool.IdleFloats * 4 / 1e6:F0} MB; peak working set so far {PeakMib():F0} MiB");
        }
        byType.Recording = false;
        Console.WriteLine("last step's allocations by type (sampled): " + string.Join("; ", byType.Top(8).Select(t => $"{t.Bytes / 1e6:F1} MB {t.Type}")));
    }

    private static double PeakMib()
    {
        using var p = Process.GetCurrentProcess();
        p.Refresh();
        return p.PeakWorkingSet64 / (1024.0 * 1024.0);
    }
}
