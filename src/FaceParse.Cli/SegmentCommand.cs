using System.CommandLine;
using System.Diagnostics;
using FaceParse.Imaging;
using FaceParse.Inference;
using Spectre.Console;

namespace FaceParse.Cli;

/// <summary>`faceparse segment INPUTS... -o OUT_DIR [--model M] [--size N] [--out-size N|WxH|original] [--emit KINDS]
/// [--face-box x,y,w,h]...`: labels photos with a face-parsing model and writes the files <see cref="SegmentEmit"/> lists.
/// A photo that cannot be read or parsed is reported on stderr and skipped; the exit code is then 1.</summary>
internal static class SegmentCommand
{
    public static Command Create()
    {
        var inputs = new Argument<string[]>("inputs") { Description = "Photos, folders of photos, or globs such as photos/*.jpg.", Arity = ArgumentArity.ZeroOrMore };
        var output = new Option<string>("--output", "-o") { Description = "Folder for the outputs (created if missing).", Required = true };
        var model = new Option<string>("--model") { Description = "Model file or registered name.", DefaultValueFactory = _ => "default" };
        var arch = ModelOptions.Arch();
        var size = new Option<int?>("--size") { Description = "Network input size (default: the model's training size)." };
        var outSize = new Option<string>("--out-size") { Description = "Label map size: original, N (N×N) or WxH.", DefaultValueFactory = _ => "original" };
        var emit = new Option<string>("--emit") { Description = "Comma-separated outputs: labels, overlay, masks, logits.", DefaultValueFactory = _ => "labels,overlay" };
        var budget = new Option<string?>("--memory-budget")
        {
            Description = "Most memory one image may take, e.g. 2G or 512M (default: half the memory this process may use). " +
                "A bigger image or --out-size is skipped with an error before it is decoded.",
        };
        var engine = new Option<string>("--engine")
        {
            Description = "What runs the network: managed (FaceParse's engine) or onnxruntime (the exported graph in ONNX Runtime).",
            DefaultValueFactory = _ => "managed",
        };
        engine.AcceptOnlyFromAmong("managed", "onnxruntime");
        var faceBoxes = new Option<string[]>("--face-box") { Description = "x,y,w,h of a face (repeatable): parse only the faces, grown by the default margin (implies --faces box)." };
        var faceMode = new Option<string>("--faces") { Description = "auto: detect, align and parse each face, map the labels back (whole when --out-size is given); whole: squeeze the whole photo into the network; box: the --face-box boxes.", DefaultValueFactory = _ => "auto" };
        var batchOptions = new BatchOptions();
        var command = new Command("segment", "Label every pixel of face photos (skin, eyes, hair, ...) and write label maps, overlays, masks or logits.")
        {
            inputs, output, model, arch, size, outSize, emit, faceBoxes, engine, budget, faceMode,
        };
        batchOptions.AddTo(command);
        command.SetAction(result =>
        {
            var kinds = SegmentOutputs.ParseEmit(result.GetValue(emit)!);
            var labelSize = SegmentOutputs.ParseOutSize(result.GetValue(outSize)!);
            var boxes = (result.GetValue(faceBoxes) ?? []).Select(FaceBox.Parse).ToList();
            if (boxes.Count > 0 && labelSize is not null) throw new ArgumentException("--face-box labels the photo at its own size; leave --out-size at original");
            string mode = result.GetValue(faceMode)!.Trim().ToLowerInvariant();
            if (mode is not ("auto" or "whole" or "box")) throw new ArgumentException($"--faces: '{mode}' is not auto, whole or box");
            if (boxes.Count > 0) mode = "box";
            else if (mode == "box") throw new ArgumentException("--faces box needs at least one --face-box x,y,w,h");
            if (mode == "auto" && labelSize is not null) mode = "whole"; // auto labels the photo's own pixels; --out-size asks for the whole-frame map
            using var runtime = result.GetValue(engine) == "onnxruntime" ? Engines.OnnxRuntime() : null;
            var batch = ShardedSegment.Prepare(result, batchOptions, result.GetValue(inputs)!, result.GetValue(output)!);
            if (batch?.Refused is { } refused) return refused;
            if (batch is null && result.GetValue(inputs)!.Length == 0) throw new ArgumentException("name at least one photo, folder or glob (or --inputs FILE)");
            var (files, problems) = batch is null ? SegmentInputs.Expand(result.GetValue(inputs)!) : ([], []);
            string folder = Directory.CreateDirectory(result.GetValue(output)!).FullName;
            RequireWritable(folder);
            long memoryBudget = SegmentOutputs.ParseBytes(result.GetValue(budget), "--memory-budget") ?? FaceParserOptions.DefaultMemoryBudget;
            var parser = new FaceParser(ModelRegistry.Load(result.GetValue(model)!, result.GetValue(arch)), new FaceParserOptions
            {
                InputSize = result.GetValue(size), KeepLogits = kinds.HasFlag(SegmentEmit.Logits), Engine = runtime, MemoryBudget = memoryBudget,
                Faces = mode == "auto" ? FaceMode.Auto : FaceMode.Whole,
            });
            foreach (string problem in problems) Console.Error.WriteLine($"faceparse: error: {problem}");
            var stems = SegmentInputs.Stems(files);
            var clock = Stopwatch.StartNew();
            int SegmentOne(string file, string into, string stem)
            {
                CheckBudget(parser, file, labelSize);
                var photo = ImageCodec.Load(file).Image;
                var labels = boxes.Count > 0 ? parser.ParseFaces(photo, boxes) : parser.Parse(photo, labelSize);
                foreach (string warning in labels.Warnings) Console.Error.WriteLine($"faceparse: warning: {file}: {warning}");
                SegmentOutputs.Write(into, stem, photo, labels, kinds);
                return boxes.Count > 0 ? boxes.Count : mode == "auto" ? labels.Faces.Count : 1; // faces found, for the manifest
            }
            if (batch is not null) return batch.Run(result.GetValue(model)!, parser.Model.Name, kinds, SegmentOne);
            var failures = Process(files, i => SegmentOne(files[i], folder, stems[i]));
            int done = files.Count - failures;
            Console.WriteLine($"segmented {done} of {files.Count} image(s) in {clock.Elapsed.TotalSeconds:F2} s" +
                $"{(done > 0 ? $" ({clock.Elapsed.TotalMilliseconds / done:F0} ms per image)" : "")} with {parser.Model.Name}{(runtime is null ? "" : $" on {runtime.Name}")} -> {folder}" +
                $"{(failures + problems.Count > 0 ? $"; {failures + problems.Count} failed" : "")}");
            return failures + problems.Count > 0 ? 1 : 0;
        });
        return command;
    }

    /// <summary>Refuses a photo before decoding it when its header's size, the label size and the outputs would exceed the
    /// parser's memory budget: the parse (<see cref="FaceParser.EstimateBytes"/>), 8 bytes per photo pixel (the decoded
    /// photo and its network input) and 16 per output pixel (overlay, label map and their PNG encodings).</summary>
    private static void CheckBudget(FaceParser parser, string file, (int Width, int Height)? labelSize)
    {
        var info = ImageCodec.ReadInfo(file);
        var (w, h) = labelSize ?? (info.Width, info.Height);
        long needed = parser.EstimateBytes(w, h) + 8L * info.Width * info.Height + 16L * w * h;
        if (needed > parser.Options.MemoryBudget)
            throw new MemoryBudgetException(needed, parser.Options.MemoryBudget, $"{file}: a {info.Width}x{info.Height} photo and {w}x{h} outputs");
    }

    /// <summary>Fails before any model runs when no file can be created in the output folder.</summary>
    private static void RequireWritable(string folder)
    {
        string probe = Path.Combine(folder, $".faceparse-write-check.{Environment.ProcessId}.tmp");
        try
        {
            File.WriteAllBytes(probe, [0]);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{folder}: cannot write files in the output folder ({e.Message.Replace(probe, folder)})", e);
        }
    }

    // Runs segment(i) for every file with a progress display on stderr; returns how many failed (each reported on stderr).
    private static int Process(IReadOnlyList<string> files, Action<int> segment)
    {
        var errors = new List<string>();
        bool rich = files.Count > 1 && !Console.IsErrorRedirected;
        if (rich)
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
            console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(context =>
                {
                    var task = context.AddTask("segmenting", maxValue: files.Count);
                    for (int i = 0; i < files.Count; i++)
                    {
                        task.Description = Markup.Escape(Path.GetFileName(files[i]));
                        if (TryRun(segment, i, files[i]) is { } error) errors.Add(error);
                        task.Increment(1);
                    }
                });
            foreach (string error in errors) Console.Error.WriteLine(error);
            return errors.Count;
        }
        for (int i = 0; i < files.Count; i++)
        {
            if (files.Count > 1) Console.Error.WriteLine($"segment: [{i + 1}/{files.Count}] {files[i]}");
            if (TryRun(segment, i, files[i]) is not { } error) continue;
            errors.Add(error);
            Console.Error.WriteLine(error);
        }
        return errors.Count;
    }

    // null on success, else the line that reports the failure
    private static string? TryRun(Action<int> segment, int index, string file)
    {
        try
        {
            segment(index);
            return null;
        }
        catch (Exception e) when (e is ImageFormatException or IOException or UnauthorizedAccessException or InvalidDataException or ArgumentException
            or MemoryBudgetException)
        {
            string message = e.Message.StartsWith(file, StringComparison.Ordinal) ? e.Message : $"{file}: {e.Message}";
            return $"faceparse: error: {message} (skipped)";
        }
    }
}
