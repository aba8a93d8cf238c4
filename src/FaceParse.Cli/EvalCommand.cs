using System.CommandLine;
using FaceParse.Data;
using FaceParse.Evaluation;
using FaceParse.Inference;
using FaceParse.Labels;
using FaceParse.Training;

namespace FaceParse.Cli;

/// <summary>`faceparse eval`: scores a model file on a dataset split; the table goes to stderr, the JSON report to --json or stdout.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var data = new DataOptions();
        var model = new Option<string>("--model") { Description = "Model: a registered name (default, ...) or a .safetensors file written by faceparse train.", Required = true };
        var split = new Option<string?>("--split") { Description = "Split file (folder layout) or split name (default: every sample / val)." };
        var arch = ModelOptions.Arch();
        var size = new Option<int?>("--size") { Description = "Resize photos to N×N before the model (default: the model's input size)." };
        var limit = new Option<int?>("--limit") { Description = "Score only the first N images." };
        var json = new Option<string?>("--json") { Description = "Write the JSON report to this file (atomically) instead of stdout." };
        var command = new Command("eval", "Evaluate a model on a dataset: per-class F1/IoU, mean F1, mIoU.") { model, arch, split, size, limit, json };
        data.AddTo(command);
        command.SetAction(result =>
        {
            try
            {
                var segmentation = ModelRegistry.Load(result.GetValue(model)!, result.GetValue(arch));
                var labels = LabelSets.Get(data.LabelsOf(result));
                string layout = result.GetValue(data.Layout)!;
                var dataset = DatasetLayouts.Open(layout, result.GetValue(data.Data)!, labels, result.GetValue(split), "val");
                var report = Evaluator.Evaluate(segmentation, dataset, data.EvalSizeOf(result), result.GetValue(limit), result.GetValue(size));
                Console.Error.Write(report.ToText());
                if (result.GetValue(json) is { } path) AtomicFile.WriteText(path, report.ToJson());
                else Console.WriteLine(report.ToJson());
                return 0;
            }
            catch (Exception e) when (DataOptions.Report(e) is { } code)
            {
                return code;
            }
        });
        return command;
    }
}
