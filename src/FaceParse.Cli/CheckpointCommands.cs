using System.CommandLine;
using System.Text.Json;
using FaceParse.Tensors;
using FaceParse.Tensors.Serialization;
using FaceParse.Tensors.Serialization.PyTorch;
using FaceParse.Training;

namespace FaceParse.Cli;

/// <summary>`faceparse inspect FILE [--json]` and `faceparse convert --from F.pt --to F.safetensors`: PyTorch checkpoints
/// opened by the restricted unpickler (nothing in the file is ever run).</summary>
internal static class CheckpointCommands
{
    public static IEnumerable<Command> Create() => [Inspect(), Convert()];

    private static Command Inspect()
    {
        var file = new Argument<string>("FILE") { Description = "A .pt/.pth checkpoint written by torch.save (zip or legacy format)." };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of text." };
        var command = new Command("inspect", "List a PyTorch checkpoint's format, tensors (key, shape, dtype), globals and opcodes without running it.") { file, json };
        command.SetAction(result =>
        {
            string path = result.GetValue(file)!;
            var checkpoint = TorchCheckpoint.Load(path, readData: false);
            var tensors = PickleTree.Tensors(checkpoint.Root).ToList();
            string? stateDict = FindStateDictKey(checkpoint);
            if (result.GetValue(json))
            {
                var doc = new Dictionary<string, object?>
                {
                    ["file"] = path,
                    ["format"] = checkpoint.Format == CheckpointFormat.Zip ? "zip" : "legacy",
                    ["root"] = Describe(checkpoint.Root),
                    ["state_dict"] = stateDict,
                    ["globals"] = checkpoint.Globals,
                    ["opcodes"] = checkpoint.Opcodes,
                    ["tensors"] = tensors.Select(t => new Dictionary<string, object>
                    {
                        ["key"] = t.Path,
                        ["shape"] = t.Tensor.Shape,
                        ["dtype"] = TorchDTypes.Name(t.Tensor.DType),
                        ["stride"] = t.Tensor.Stride,
                        ["offset"] = t.Tensor.StorageOffset,
                        ["storage"] = t.Tensor.Storage.Key,
                    }).ToList(),
                };
                Console.WriteLine(JsonSerializer.Serialize(doc));
                return 0;
            }
            Console.WriteLine($"file       {path}");
            Console.WriteLine($"format     {(checkpoint.Format == CheckpointFormat.Zip ? "torch.save zip (PyTorch >= 1.6)" : "torch.save legacy (before PyTorch 1.6)")}");
            Console.WriteLine($"root       {Describe(checkpoint.Root)}");
            Console.WriteLine($"state dict {stateDict ?? "(none found)"}");
            Console.WriteLine($"globals    {string.Join(", ", checkpoint.Globals)}");
            Console.WriteLine($"opcodes    {string.Join(", ", checkpoint.Opcodes.Select(o => $"{o.Key}×{o.Value}"))}");
            Console.WriteLine($"tensors    {tensors.Count}");
            foreach (var (key, t) in tensors)
                Console.WriteLine($"  {key} [{string.Join(", ", t.Shape)}] {TorchDTypes.Name(t.DType)}{(IsContiguous(t) ? "" : $" stride [{string.Join(", ", t.Stride)}]")}");
            return 0;
        });
        return command;
    }

    private static Command Convert()
    {
        var from = new Option<string>("--from") { Description = "The .pt/.pth checkpoint.", Required = true };
        var to = new Option<string>("--to") { Description = "The .safetensors file to write (atomically).", Required = true };
        var key = new Option<string?>("--key") { Description = "Dotted key of the state dict (default: state_dict_backbone, state_dict, model, then the root)." };
        var strip = new Option<string?>("--strip-prefix") { Description = "Remove this prefix from keys, e.g. 'module.' (DataParallel)." };
        var asModel = new Option<bool>("--as-model") { Description = "Write a FaceParse model file (architecture recognised from the keys, strict load), usable as --model." };
        var arch = new Option<string?>("--arch") { Description = "With --as-model: the preset the checkpoint must be, e.g. segface-mobilenet." };
        var labels = new Option<string?>("--labels") { Description = "With --as-model: label set of the outputs (default: the architecture's, e.g. segface)." };
        var command = new Command("convert", "Convert a PyTorch checkpoint's state dict to float32 safetensors without running the checkpoint.") { from, to, key, strip, asModel, arch, labels };
        command.SetAction(result =>
        {
            string source = result.GetValue(from)!, target = result.GetValue(to)!;
            if (result.GetValue(asModel))
            {
                var model = FaceParse.Inference.PyTorchImport.Load(source, result.GetValue(arch), result.GetValue(labels));
                model.Save(target);
                Console.WriteLine($"wrote {target}: {model.Description.Architecture} model '{model.Name}', {model.ParameterCount} parameters, labels {model.Labels.Name}");
                return 0;
            }
            var checkpoint = TorchCheckpoint.Load(source);
            Dictionary<string, Tensor> tensors;
            try { tensors = checkpoint.ToTensors(result.GetValue(key), result.GetValue(strip)); }
            catch (KeyNotFoundException e) { throw new ArgumentException(e.Message, e); }
            if (tensors.Count == 0) throw new InvalidDataException($"{source}: the state dict holds no tensors.");
            var metadata = new Dictionary<string, string> { ["source"] = Path.GetFileName(source), ["format"] = "pt" };
            AtomicFile.Write(target, stream => SafeTensors.Save(stream, tensors, metadata));
            Console.WriteLine($"wrote {target}: {tensors.Count} tensors, {tensors.Values.Sum(t => (long)t.Count)} values");
            return 0;
        });
        return command;
    }

    private static string? FindStateDictKey(TorchCheckpoint checkpoint)
    {
        try
        {
            var dict = checkpoint.FindStateDict();
            if (ReferenceEquals(dict, checkpoint.Root)) return "(root)";
            return TorchCheckpoint.StateDictKeys.First(k => checkpoint.Root is PickleDict r && r.TryGetValue(k, out var v) && ReferenceEquals(v, dict));
        }
        catch (KeyNotFoundException) { return null; }
    }

    private static bool IsContiguous(TorchTensor t)
    {
        long expected = 1;
        for (int d = t.Shape.Count - 1; d >= 0; d--)
        {
            if (t.Shape[d] != 1 && t.Stride[d] != expected) return false;
            expected *= t.Shape[d];
        }
        return true;
    }

    private static string Describe(object? root) => root is PickleDict d
        ? $"{d.Kind} with {d.Count} keys: {string.Join(", ", d.Items.Keys.Take(8))}{(d.Count > 8 ? ", …" : "")}"
        : root?.GetType().Name ?? "None";
}
