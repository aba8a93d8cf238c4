using System.Diagnostics;
using System.Globalization;
using FaceParse.Inference;
using FaceParse.Models.FpLiif;
using FaceParse.Nn.Optimizers;
using FaceParse.Tensors.Runtime;
using TorchBench;
using static TorchSharp.torch;
using Ours = FaceParse.Tensors;

// Hand-run: FaceParse's engine and libtorch 2.10 (TorchSharp-cpu 0.107) on the same weights and inputs, in one
// process, interleaved; peak memory per engine from child processes (VmHWM). See README.md beside this file.
//   infer MODEL SIZE OUT THREADS [REPEATS]    latency (median, min) of both, after a parity check
//   train MODEL SIZE BATCH THREADS [STEPS]    training images/s of both (forward + loss + backward + AdamW)
//   peak ENGINE infer|train MODEL SIZE OUT|BATCH THREADS   one engine alone; prints its peak resident memory
// MODEL: default (the bundled model), an FP-LIIF preset (fp-liif, fp-liif-small) or segface-mobilenet, with seeded random weights.
var inv = CultureInfo.InvariantCulture;
if (args.Length < 5) { Console.Error.WriteLine("usage: infer|train MODEL SIZE OUT|BATCH THREADS [REPEATS|STEPS] | peak ENGINE infer|train MODEL SIZE OUT|BATCH THREADS"); return 2; }
if (args[0] == "peak") return Peak(args[1], args[2], args[3], int.Parse(args[4], inv), int.Parse(args[5], inv), int.Parse(args[6], inv));
string mode = args[0], modelName = args[1];
int size = int.Parse(args[2], inv), fourth = int.Parse(args[3], inv), threads = int.Parse(args[4], inv);
int count = args.Length > 5 ? int.Parse(args[5], inv) : mode == "infer" ? 7 : 5;
SetThreads(threads);
var model = Load(modelName, size);
var torchModel = ToTorch(model);
Console.WriteLine($"# {mode} {model.Name} size {size} {(mode == "infer" ? "out" : "batch")} {fourth} threads {threads}; libtorch {__version__}; " +
                  $"cpu {Cpu()}; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
if (mode == "infer") Infer(model, torchModel, size, fourth, count);
else Train(model, torchModel, size, fourth, count);
foreach (string engine in new[] { "faceparse", "libtorch" })
{
    var child = Process.Start(new ProcessStartInfo("dotnet", [typeof(TorchFpLiif).Assembly.Location, "peak", engine, mode, modelName,
        size.ToString(inv), fourth.ToString(inv), threads.ToString(inv)]) { RedirectStandardOutput = true })!;
    string output = child.StandardOutput.ReadToEnd().Trim();
    child.WaitForExit();
    Console.WriteLine($"{engine,-9} peak resident memory, {mode} alone in its own process: {output} MB");
}
return 0;

static void SetThreads(int threads)
{
    Parallelism.Threads = threads;
    set_num_threads(threads);
    set_num_interop_threads(1);
}

static SegmentationModel Load(string name, int size) =>
    name == "default" ? ModelRegistry.Load("default")
    : SegmentationModel.CreateNew(name, FaceParse.Labels.LabelSets.CelebAMaskHq, size, seed: 0);

static ITorchSide ToTorch(SegmentationModel model)
{
    if (model.Architecture.Name == "segface")
        return model.Name.StartsWith("segface-mobilenet", StringComparison.Ordinal) ? new TorchSegFace(model.Module.StateDict())
            : throw new NotSupportedException($"{model.Name}: only SegFace's mobilenet backbone is written in TorchSharp here.");
    var config = ((FaceParse.Architectures.Architecture<FpLiifConfig>)FaceParse.Architectures.ArchitectureRegistry.Get("fp-liif")).ReadConfig(model.Description.ConfigJson);
    if (config.Upsampling != FpLiifUpsampling.Bilinear || config.PositionalEncoding != FpLiifPositionalEncoding.LiifRelative ||
        config.ResidualScale != 1 || !config.GroupResidualConv || config.DownStrides.Any(s => s != 2))
        throw new NotSupportedException($"{config.Name}: only the presets' choices are written in TorchSharp here.");
    // TORCHBENCH_CHUNK: output pixels per decoder chunk on the libtorch side; default 4096, libtorch's fastest (1024 … 262144 swept)
    int chunk = int.TryParse(Environment.GetEnvironmentVariable("TORCHBENCH_CHUNK"), out int c) ? c : 4096;
    return new TorchFpLiif(model.Module.StateDict(), [.. config.BlocksPerGroup], [.. config.InputMean], [.. config.InputStd], config.MlpLayers, chunk);
}

static string Cpu() => File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':')[1].Trim() ?? "?";

static Ours.Tensor Image(int size) => Ours.Tensor.Uniform(new Random(3), 0f, 1f, 1, 3, size, size);

static float[] OursInfer(SegmentationModel model, Ours.Tensor x, int outSize)
{
    using var noGrad = Ours.GradMode.NoGrad();
    using var scope = new Ours.TensorScope();
    return model.Forward(x, outSize, outSize).Contiguous().ToArray();
}

static float[] TorchInfer(ITorchSide model, Tensor x, int outSize)
{
    using var inference = inference_mode();
    using var scope = NewDisposeScope();
    return model.Forward(x, outSize, outSize).contiguous().data<float>().ToArray();
}

static void Infer(SegmentationModel model, ITorchSide torchModel, int size, int outSize, int repeats)
{
    var x = Image(size);
    var tx = tensor(x.ToArray(), [1, 3, size, size]);
    // parity before any timing: the same numbers, or no speed is reported
    var a = OursInfer(model, x, outSize);
    var b = TorchInfer(torchModel, tx, outSize);
    double diff = 0, norm = 0;
    for (int i = 0; i < a.Length; i++) { diff += Math.Pow(a[i] - b[i], 2); norm += Math.Pow(b[i], 2); }
    int k = a.Length / (outSize * outSize), plane = outSize * outSize, same = 0;
    for (int p = 0; p < plane; p++)
    {
        int ia = 0, ib = 0;
        for (int c = 1; c < k; c++) { if (a[c * plane + p] > a[ia * plane + p]) ia = c; if (b[c * plane + p] > b[ib * plane + p]) ib = c; }
        if (ia == ib) same++;
    }
    double rel = Math.Sqrt(diff / norm), agree = same / (double)plane;
    Console.WriteLine($"parity: logits relative L2 {rel:E2}, arg-max agreement {agree:P3}");
    if (!(rel <= 1e-4 && agree >= 0.999)) throw new InvalidOperationException("The engines disagree; no speed reported.");
    for (int w = 0; w < 2; w++) { OursInfer(model, x, outSize); TorchInfer(torchModel, tx, outSize); }
    var ours = new List<double>();
    var theirs = new List<double>();
    for (int r = 0; r < repeats; r++) // interleaved, so drift on a shared machine hits both alike
    {
        var clock = Stopwatch.StartNew();
        OursInfer(model, x, outSize);
        ours.Add(clock.Elapsed.TotalMilliseconds);
        clock.Restart();
        TorchInfer(torchModel, tx, outSize);
        theirs.Add(clock.Elapsed.TotalMilliseconds);
    }
    Console.WriteLine($"faceparse median {Median(ours):F1} ms, min {ours.Min():F1} ms");
    Console.WriteLine($"libtorch  median {Median(theirs):F1} ms, min {theirs.Min():F1} ms");
    Console.WriteLine($"ratio faceparse/libtorch: median {Median(ours) / Median(theirs):F2}, min {ours.Min() / theirs.Min():F2}");
}

static double Median(List<double> values)
{
    var s = values.Order().ToList();
    return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
}

static void Train(SegmentationModel model, ITorchSide torchModel, int size, int batch, int steps)
{
    var ours = new OursTrainer(model, size, batch);
    var theirs = TorchTrainerOf(torchModel, model, size, batch);
    var (lossOurs, lossTorch) = (ours.Step(), theirs()); // warm-up step each
    Console.WriteLine($"first-step loss: faceparse {lossOurs:F4}, libtorch {lossTorch:F4} (random labels; FP-LIIF: different batches and query draws, SegFace: the same batch)");
    var a = new List<double>();
    var b = new List<double>();
    for (int r = 0; r < 3; r++) // three interleaved blocks of `steps` steps
    {
        var clock = Stopwatch.StartNew();
        for (int s = 0; s < steps; s++) ours.Step();
        a.Add(batch * steps / clock.Elapsed.TotalSeconds);
        clock.Restart();
        for (int s = 0; s < steps; s++) theirs();
        b.Add(batch * steps / clock.Elapsed.TotalSeconds);
    }
    Console.WriteLine($"faceparse training {string.Join(", ", a.Select(v => v.ToString("F2", CultureInfo.InvariantCulture)))} images/s (median {Median(a):F2})");
    Console.WriteLine($"libtorch  training {string.Join(", ", b.Select(v => v.ToString("F2", CultureInfo.InvariantCulture)))} images/s (median {Median(b):F2})");
    Console.WriteLine($"ratio faceparse/libtorch: {Median(a) / Median(b):F2}");
}

static Func<double> TorchTrainerOf(ITorchSide torchModel, SegmentationModel model, int size, int batch)
{
    var (images, labels) = OursTrainer.Batch(model.Labels.Count, size, batch);
    return torchModel.Trainer(images.ToArray(), labels.Data, size, batch, model.Labels.Count);
}

static int Peak(string engine, string mode, string modelName, int size, int fourth, int threads)
{
    SetThreads(threads);
    var model = Load(modelName, size);
    if (engine == "faceparse")
    {
        if (mode == "infer") { var x = Image(size); for (int r = 0; r < 3; r++) OursInfer(model, x, fourth); }
        else { var t = new OursTrainer(model, size, fourth); for (int s = 0; s < 4; s++) t.Step(); }
    }
    else
    {
        var torchModel = ToTorch(model);
        if (mode == "infer") { var x = tensor(Image(size).ToArray(), [1, 3, size, size]); for (int r = 0; r < 3; r++) TorchInfer(torchModel, x, fourth); }
        else { var t = TorchTrainerOf(torchModel, model, size, fourth); for (int s = 0; s < 4; s++) t(); }
    }
    string hwm = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
    Console.WriteLine((long.Parse(hwm.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024).ToString(CultureInfo.InvariantCulture));
    return 0;
}
