using System.Text.Json.Nodes;
using TorchReference;
using TorchSharp;
using static TorchSharp.torch;

// Hand-run reference tool: writes libtorch fixtures for FaceParse's tests (see README.md beside this file).
// usage: dotnet run -c Release [-- [--out DIR] [all | mobilenet_v3_large resnet101 efficientnet_v2_m convnext_base swin_b swin_v2_b ops segface_mobilenet]]
var argList = args.ToList();
string outDir = Path.Combine(RepoRoot(), "tests", "FaceParse.Models.Tests", "Fixtures", "torch");
int o = argList.IndexOf("--out");
if (o >= 0) { outDir = Path.GetFullPath(argList[o + 1]); argList.RemoveRange(o, 2); }
var what = argList.Count == 0 || argList.Contains("all")
    ? new List<string> { "mobilenet_v3_large", "resnet101", "efficientnet_v2_m", "convnext_base", "swin_b", "swin_v2_b", "ops", "segface_mobilenet" }
    : argList;
Directory.CreateDirectory(outDir);
torch.set_num_threads(Math.Max(1, Environment.ProcessorCount));
Console.WriteLine($"libtorch {torch.__version__}; writing to {outDir}");

foreach (var name in what)
{
    var sw = System.Diagnostics.Stopwatch.StartNew();
    switch (name)
    {
        case "mobilenet_v3_large": Backbone(name, new MobileNetV3Large(), 5_483_032, "features after 3, 6, 12, 16"); break;
        case "resnet101": Backbone(name, new ResNet101(), 44_549_160, "layer1..layer4"); break;
        case "efficientnet_v2_m": Backbone(name, new EfficientNetV2M(), 54_139_356, "features after 2, 3, 5, 8"); break;
        case "convnext_base": Backbone(name, new ConvNeXtBase(), 88_591_464, "features after 1, 3, 5, 7"); break;
        case "swin_b": Backbone(name, new Swin(v2: false), 87_768_224, "features after 1, 3, 5, 7 (NHWC, before the final norm), permuted to NCHW"); break;
        case "swin_v2_b": Backbone(name, new Swin(v2: true), 87_930_848, "features after 1, 3, 5, 7 (NHWC, before the final norm), permuted to NCHW"); break;
        case "ops": OpFixtures.Write(outDir); break;
        case "segface_mobilenet": SegFaceFixture.Write(outDir); break;
        default: throw new ArgumentException($"unknown fixture '{name}'");
    }
    Console.WriteLine($"{name}: done in {sw.Elapsed.TotalSeconds:F1} s");
}

void Backbone(string name, nn.Module<Tensor, Tensor> model, long published, string tapsWhere)
{
    model.eval();
    var sd = StateDictOrder.Of(model);
    Formula.Apply(sd);
    FixtureWriter.KeysTsv(Path.Combine(outDir, name + ".keys.tsv"), sd);
    long parameters = StateDictOrder.ParameterCount(model);
    var input = Formula.Input();
    Tensor[] taps;
    using (no_grad()) taps = ((ITapped)model).Taps(input);
    var outputs = new List<(string, Tensor)> { ("input", input) };
    for (int k = 0; k < taps.Length; k++) outputs.Add(($"tap{k}", taps[k]));
    FixtureWriter.SafeTensors(Path.Combine(outDir, name + ".outputs.safetensors"), outputs,
        new Dictionary<string, string> { ["model"] = name, ["libtorch"] = torch.__version__ });
    var json = new JsonObject
    {
        ["model"] = name,
        ["torchvision"] = "0.107.0",
        ["libtorch"] = "2.10",
        ["parameters"] = parameters,
        ["buffers"] = StateDictOrder.BufferCount(model),
        ["state_dict_entries"] = sd.Count,
        ["published_parameters"] = published,
        ["input"] = new JsonArray(1, 3, 64, 48),
        ["taps"] = new JsonArray("tap0", "tap1", "tap2", "tap3"),
        ["tap_shapes"] = new JsonArray(taps.Select(t => (JsonNode)new JsonArray(t.shape.Select(d => (JsonNode)JsonValue.Create(d)!).ToArray())).ToArray()),
        ["taps_where"] = tapsWhere,
        ["eval"] = true,
        ["built_from"] = "TorchSharp modules transcribed from torchvision's Python source (module names = torchvision's); run by libtorch",
    };
    var cross = TorchVisionCrossCheck.Run(name, model, sd, input);
    if (cross is not null) json["torchvision_dotnet_check"] = cross;
    FixtureWriter.Json(Path.Combine(outDir, name + ".json"), json);
    Console.WriteLine($"{name}: {sd.Count} entries, {parameters:N0} parameters (published {published:N0}), taps " +
        string.Join(" ", taps.Select(t => "[" + string.Join(",", t.shape) + "]")));
    if (parameters != published) Console.WriteLine($"  WARNING: parameter count differs from torchvision's published {published:N0}");
}

static string RepoRoot()
{
    for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        if (File.Exists(Path.Combine(d.FullName, "FaceParse.slnx"))) return d.FullName;
    throw new InvalidOperationException("FaceParse.slnx not found above the tool's folder; pass --out DIR");
}
