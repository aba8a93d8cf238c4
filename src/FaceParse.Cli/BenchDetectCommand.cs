using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using FaceParse.Benchmarks;
using FaceParse.Detection;
using FaceParse.Imaging;
using FaceParse.Imaging.Geometry;
using FaceParse.Inference;
using FaceParse.Tensors.Runtime;

namespace FaceParse.Cli;

/// <summary>`faceparse bench detect --photo FACE.jpg [--repeat N]`: MTCNN latency on the face photo scaled to 40 % of the
/// height of a 640×480 and a 1920×1080 grey canvas, at 1 and 2 threads (median of N runs after one warm-up), and end-to-end
/// auto-mode segment latency on a 1280×853 canvas with one face.</summary>
internal static class BenchDetectCommand
{
    public static Command Create()
    {
        var photo = new Option<string>("--photo") { Description = "A photo with one face (pasted into the benchmark canvases).", Required = true };
        var repeat = new Option<int>("--repeat") { Description = "Timed runs per setting (median reported).", DefaultValueFactory = _ => 5 };
        var model = new Option<string>("--model") { Description = "Parsing model for the end-to-end segment timing.", DefaultValueFactory = _ => "default" };
        var command = new Command("detect", "Face detector latency (640x480, 1920x1080; 1 and 2 threads) and auto-mode segment latency (1280x853).") { photo, repeat, model };
        command.SetAction(result =>
        {
            var face = ImageCodec.Load(result.GetValue(photo)!).Image.ToChannels(3);
            int n = Math.Max(1, result.GetValue(repeat));
            var detector = MtcnnDetector.Load();
            Console.WriteLine($"CPU {BenchMachine.CpuName()}; SIMD {BenchMachine.Simd}");
            int saved = Parallelism.Threads;
            try
            {
                foreach (var (w, h) in new[] { (640, 480), (1920, 1080) })
                {
                    var canvas = Canvas(face, w, h);
                    foreach (int threads in new[] { 1, 2 })
                    {
                        Parallelism.Threads = threads;
                        double ms = Median(n, () => detector.Detect(canvas));
                        Console.WriteLine($"detect {w}x{h} threads {threads}: {ms.ToString("F1", CultureInfo.InvariantCulture)} ms ({detector.Detect(canvas).Count} face(s))");
                    }
                }
                Parallelism.Threads = saved;
                var parser = FaceParser.Load(result.GetValue(model)!);
                var photo1280 = Canvas(face, 1280, 853);
                double segment = Median(Math.Min(n, 3), () => parser.Parse(photo1280));
                Console.WriteLine($"segment --faces auto 1280x853 threads {saved}: {segment.ToString("F0", CultureInfo.InvariantCulture)} ms ({parser.Model.Name})");
            }
            finally { Parallelism.Threads = saved; }
            return 0;
        });
        return command;
    }

    // the face photo scaled to 40 % of the canvas height, centred on a mid-grey canvas
    private static Image Canvas(Image face, int width, int height)
    {
        int side = (int)(0.4 * height);
        var scaled = Resize.Apply(face, side * face.Width / face.Height, side, ResizeMode.Area);
        var canvas = new Image(width, height, 3);
        Array.Fill(canvas.Pixels, (byte)128);
        Transforms.Paste(scaled, (width - scaled.Width) / 2, (height - scaled.Height) / 2, canvas);
        return canvas;
    }

    private static double Median(int runs, Action action)
    {
        action();
        var times = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            times[i] = clock.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        return times[runs / 2];
    }
}
