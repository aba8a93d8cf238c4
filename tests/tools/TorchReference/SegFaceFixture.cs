using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchReference;

// segface_mobilenet.{keys.tsv,json,outputs.safetensors}: the official SegFaceCeleb("mobilenet") with formula weights
// (the PE gaussian matrix is a buffer and takes its formula value like any float tensor), eval mode, formula input.
internal static class SegFaceFixture
{
    // tap0..3: backbone taps; fused[1,256,h,w] = linear_fuse output; image_pe[1,256,h,w]; tokens_out[1,19,256] and
    // image_out[1,256,h,w] = TwoWayTransformer outputs (image tokens transposed back to NCHW, as the decoder views them); upscaled[1,32,4h,4w]; hyper_in[1,19,32].
    private static readonly string[] Intermediates = { "tap0", "tap1", "tap2", "tap3", "fused", "image_pe", "tokens_out", "image_out", "upscaled", "hyper_in" };

    public static void Write(string outDir)
    {
        const string name = "segface_mobilenet";
        var model = new SegFaceCelebMobileNet();
        model.eval();
        var sd = StateDictOrder.Of(model);
        Formula.Apply(sd);
        FixtureWriter.KeysTsv(Path.Combine(outDir, name + ".keys.tsv"), sd);
        var input = Formula.Input();
        Tensor logits;
        var capture = new Dictionary<string, Tensor>();
        model.Capture = capture;
        using (no_grad()) logits = model.call(input);
        // "input" and "logits" as FIXTURES.md says, then intermediates in forward order to localise a mismatch.
        var outputs = new List<(string, Tensor)> { ("input", input), ("logits", logits) };
        foreach (var k in Intermediates) outputs.Add((k, capture[k]));
        FixtureWriter.SafeTensors(Path.Combine(outDir, name + ".outputs.safetensors"), outputs,
            new Dictionary<string, string> { ["model"] = name, ["libtorch"] = torch.__version__ });

        long parameters = StateDictOrder.ParameterCount(model);
        var perModule = new JsonObject();
        foreach (var (child, m) in model.named_children()) perModule[child] = StateDictOrder.ParameterCount(m);
        var decoder = model.named_children().First(c => c.name == "face_decoder").module;
        var perDecoder = new JsonObject();
        foreach (var (child, m) in decoder.named_children()) perDecoder[child] = StateDictOrder.ParameterCount(m);
        FixtureWriter.Json(Path.Combine(outDir, name + ".json"), new JsonObject
        {
            ["model"] = name,
            ["official"] = "Kartik-3004/SegFace network/models/segface_celeb.py SegFaceCeleb(input_resolution, 'mobilenet'); keys = state_dict_backbone of model_299.pt",
            ["torchvision"] = "0.107.0",
            ["libtorch"] = "2.10",
            ["classes"] = 19,
            ["parameters"] = parameters,
            ["parameters_per_module"] = perModule,
            ["parameters_face_decoder"] = perDecoder,
            ["parameters_paper"] = 7_034_000,
            ["parameters_note"] = "sum of numel over named_parameters() of the whole SegFaceCeleb (backbone = mobilenet_v3_large.features, no classifier); the PE gaussian matrix is a buffer, not counted",
            ["buffers"] = StateDictOrder.BufferCount(model),
            ["state_dict_entries"] = sd.Count,
            ["input"] = new JsonArray(1, 3, 64, 48),
            ["outputs"] = new JsonArray("logits"),
            ["intermediates"] = new JsonArray(Intermediates.Select(k => (JsonNode)k).ToArray()),
            ["logits_shape"] = new JsonArray(logits.shape.Select(d => (JsonNode)JsonValue.Create(d)!).ToArray()),
            ["eval"] = true,
        });
        Console.WriteLine($"{name}: {sd.Count} entries, {parameters:N0} parameters ({perModule.ToJsonString()}), decoder {perDecoder.ToJsonString()}, logits [{string.Join(",", logits.shape)}]");
    }
}
