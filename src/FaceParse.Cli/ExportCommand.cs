using System.CommandLine;
using FaceParse.Export.Onnx;
using FaceParse.Inference;

namespace FaceParse.Cli;

/// <summary>`faceparse export --model M --onnx OUT.onnx [--size N] [--out-size N] [--opset 17]`: the model as a standard ONNX
/// file (input <c>image</c> [N,3,size,size] RGB in [0,1], output <c>logits</c> [N,K,out,out]). What cannot be exported is
/// an error naming it, and no file is written.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model file or registered name.", DefaultValueFactory = _ => "default" };
        var arch = ModelOptions.Arch();
        var onnx = new Option<string>("--onnx") { Description = "Path of the ONNX file to write.", Required = true };
        var size = new Option<int?>("--size") { Description = "Input side the graph takes (default: the model's training size)." };
        var outSize = new Option<int?>("--out-size") { Description = "Output side of the logits (default: --size)." };
        var opset = new Option<int>("--opset") { Description = $"ONNX opset ({OnnxOps.MinOpset}–{OnnxOps.MaxOpset}).", DefaultValueFactory = _ => OnnxOps.DefaultOpset };
        var command = new Command("export", "Export a model as an ONNX graph for one input and output size.") { model, arch, onnx, size, outSize, opset };
        command.SetAction(result =>
        {
            var segmentation = ModelRegistry.Load(result.GetValue(model)!, result.GetValue(arch));
            int side = result.GetValue(size) ?? segmentation.InputSize;
            var options = OnnxExportOptions.Square(side, result.GetValue(outSize) ?? side, result.GetValue(opset));
            string path = Path.GetFullPath(result.GetValue(onnx)!);
            try { OnnxExport.Save(segmentation, path, options); }
            catch (OnnxExportException e)
            {
                Console.Error.WriteLine($"faceparse: error: {e.Message}");
                return 1;
            }
            Console.WriteLine($"exported {segmentation.Name} ({segmentation.Description.Architecture}, opset {options.Opset}) -> {path} " +
                $"({new FileInfo(path).Length / 1024.0 / 1024.0:F1} MiB): image [N,3,{side},{side}] -> logits [N,{segmentation.Labels.Count},{options.OutHeight},{options.OutWidth}]");
            return 0;
        });
        return command;
    }
}
