using System.Text.Json.Nodes;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace TorchReference;

// ops.safetensors + ops.json: small deterministic inputs and libtorch's outputs for the ops SegFace, Swin and
// ConvNeXt need. Every input is a * sin(f * i + p) + offset over its flat row-major index i (float32 after a double sin);
// ops.json records shape, f, p, a, offset per input so a test can rebuild it, and the safetensors holds it too.
internal static class OpFixtures
{
    private sealed record Input(string Name, long[] Shape, double F, double P, double A, double Offset = 0)
    {
        public Tensor Make() => Formula.Sin(Shape, F, P, A, Offset);
    }

    private static readonly List<(string Name, Tensor Value)> Tensors = new();
    private static readonly JsonArray Cases = new();

    private static void Case(string name, string op, JsonObject parameters, Input[] inputs, Func<Tensor[], Tensor> run)
    {
        var made = inputs.Select(i => i.Make()).ToArray();
        Tensor output;
        using (no_grad()) output = run(made);
        var inputJson = new JsonArray();
        for (int k = 0; k < inputs.Length; k++)
        {
            var i = inputs[k];
            Tensors.Add((i.Name, made[k]));
            inputJson.Add(new JsonObject
            {
                ["name"] = i.Name,
                ["shape"] = Arr(i.Shape),
                ["formula"] = "a*sin(f*i+p)+offset",
                ["f"] = i.F, ["p"] = i.P, ["a"] = i.A, ["offset"] = i.Offset,
            });
        }
        string outName = name + ".out";
        Tensors.Add((outName, output));
        Cases.Add(new JsonObject
        {
            ["name"] = name, ["op"] = op, ["parameters"] = parameters, ["inputs"] = inputJson,
            ["output"] = outName, ["output_shape"] = Arr(output.shape),
        });
    }

    private static JsonArray Arr(long[] v) => new(v.Select(d => (JsonNode)JsonValue.Create(d)!).ToArray());

    public static void Write(string outDir)
    {
        Tensors.Clear();
        Cases.Clear();

        // Attention pieces as SAM's Attention computes them: softmax(q k^T / sqrt(d)) v, q[B,H,Nq,d], k/v[B,H,Nk,d].
        Case("attention", "softmax(q @ k^T / sqrt(d), -1) @ v", new JsonObject { ["d"] = 8 },
            new[] { new Input("attention.q", new long[] { 1, 2, 5, 8 }, 0.31, 0.1, 1.5), new Input("attention.k", new long[] { 1, 2, 7, 8 }, 0.23, 0.7, 1.5),
                    new Input("attention.v", new long[] { 1, 2, 7, 8 }, 0.17, 1.1, 1.0) },
            t => softmax(matmul(t[0], t[1].permute(0, 1, 3, 2)) / Math.Sqrt(8), -1).matmul(t[2]));
        Case("softmax_lastdim", "torch.softmax(x, -1)", new JsonObject(),
            new[] { new Input("softmax_lastdim.x", new long[] { 3, 11 }, 0.43, 0.2, 4.0) }, t => softmax(t[0], -1));

        // torch.roll: 2-D shifts, negative, over NCHW spatial dims and over NHWC (Swin's cyclic shift) dims.
        Case("roll_nchw", "torch.roll", new JsonObject { ["shifts"] = new JsonArray(-2, 3), ["dims"] = new JsonArray(2, 3) },
            new[] { new Input("roll_nchw.x", new long[] { 2, 3, 5, 6 }, 0.29, 0.0, 1.0) }, t => t[0].roll(new long[] { -2, 3 }, new long[] { 2, 3 }));
        Case("roll_nhwc", "torch.roll", new JsonObject { ["shifts"] = new JsonArray(-3, -3), ["dims"] = new JsonArray(1, 2) },
            new[] { new Input("roll_nhwc.x", new long[] { 1, 7, 8, 4 }, 0.13, 0.5, 1.0) }, t => t[0].roll(new long[] { -3, -3 }, new long[] { 1, 2 }));

        // layer_norm over the last dim (channel-last), eps 1e-5 and 1e-6; LayerNorm2d over C of NCHW (SAM/SegFace formula).
        foreach (var (tag, eps) in new[] { ("1e-5", 1e-5), ("1e-6", 1e-6) })
            Case($"layer_norm_eps{tag}", "F.layer_norm(x, [C], w, b, eps)", new JsonObject { ["normalized_shape"] = new JsonArray(16), ["eps"] = eps },
                new[] { new Input($"layer_norm_eps{tag}.x", new long[] { 2, 5, 16 }, 0.37, 0.3, 2.0, 0.5), new Input($"layer_norm_eps{tag}.w", new long[] { 16 }, 0.9, 0.0, 0.3, 1.0),
                        new Input($"layer_norm_eps{tag}.b", new long[] { 16 }, 0.7, 0.4, 0.1) },
                t => F.layer_norm(t[0], new long[] { 16 }, t[1], t[2], eps));
        Case("layer_norm2d", "LayerNorm2d: u=mean_C(x); s=mean_C((x-u)^2); w[:,None,None]*(x-u)/sqrt(s+eps)+b[:,None,None]",
            new JsonObject { ["eps"] = 1e-6 },
            new[] { new Input("layer_norm2d.x", new long[] { 1, 16, 5, 6 }, 0.21, 0.9, 1.5, -0.2), new Input("layer_norm2d.w", new long[] { 16 }, 0.8, 0.1, 0.3, 1.0),
                    new Input("layer_norm2d.b", new long[] { 16 }, 0.6, 0.2, 0.1) },
            t =>
            {
                var u = t[0].mean(new long[] { 1 }, keepdim: true);
                var s = (t[0] - u).pow(2).mean(new long[] { 1 }, keepdim: true);
                return t[1][.., TensorIndex.None, TensorIndex.None] * ((t[0] - u) / sqrt(s + 1e-6)) + t[2][.., TensorIndex.None, TensorIndex.None];
            });

        // Activations (x spans about [-6, 6]).
        var act = new Input("act.x", new long[] { 97 }, 0.5, 0.0, 6.0);
        Case("gelu", "F.gelu (exact erf form)", new JsonObject(), new[] { act with { Name = "gelu.x" } }, t => F.gelu(t[0], false));
        Case("hardswish", "F.hardswish", new JsonObject(), new[] { act with { Name = "hardswish.x" } }, t => F.hardswish(t[0]));
        Case("hardsigmoid", "F.hardsigmoid", new JsonObject(), new[] { act with { Name = "hardsigmoid.x" } }, t => F.hardsigmoid(t[0]));
        Case("silu", "F.silu", new JsonObject(), new[] { act with { Name = "silu.x" } }, t => F.silu(t[0]));

        // F.interpolate, align_corners=False, output size given (as SegFace does).
        foreach (var (mode, tag) in new[] { (InterpolationMode.Bilinear, "bilinear"), (InterpolationMode.Bicubic, "bicubic") })
            foreach (var (sizeTag, h, w) in new[] { ("up2", 10L, 14L), ("up4", 20L, 28L), ("frac", 8L, 11L), ("down", 3L, 4L) })
                Case($"{tag}_{sizeTag}", $"F.interpolate(mode='{tag}', align_corners=False, size=...)",
                    new JsonObject { ["mode"] = tag, ["align_corners"] = false, ["size"] = new JsonArray(h, w) },
                    new[] { new Input($"{tag}_{sizeTag}.x", new long[] { 1, 3, 5, 7 }, 0.41, 0.2, 1.0) },
                    t => F.interpolate(t[0], size: new[] { h, w }, mode: mode, align_corners: false));
        Case("bilinear_scale1.5", "F.interpolate(mode='bilinear', align_corners=False, scale_factor=1.5, recompute_scale_factor=False)",
            new JsonObject { ["mode"] = "bilinear", ["align_corners"] = false, ["scale_factor"] = 1.5, ["recompute_scale_factor"] = false },
            new[] { new Input("bilinear_scale1.5.x", new long[] { 1, 3, 5, 7 }, 0.41, 0.2, 1.0) },
            t => F.interpolate(t[0], scale_factor: new[] { 1.5, 1.5 }, mode: InterpolationMode.Bilinear, align_corners: false));

        // conv_transpose2d k2 s2 with bias: x[1,8,5,6], w[8,4,2,2] (in, out, kh, kw), b[4] -> [1,4,10,12].
        Case("conv_transpose2d_k2s2", "F.conv_transpose2d(x, w, b, stride=2)", new JsonObject { ["stride"] = 2, ["kernel"] = 2 },
            new[] { new Input("conv_transpose2d_k2s2.x", new long[] { 1, 8, 5, 6 }, 0.19, 0.3, 1.0), new Input("conv_transpose2d_k2s2.w", new long[] { 8, 4, 2, 2 }, 0.53, 0.8, 0.4),
                    new Input("conv_transpose2d_k2s2.b", new long[] { 4 }, 1.1, 0.5, 0.1) },
            t => F.conv_transpose2d(t[0], t[1], t[2], strides: new long[] { 2, 2 }));

        Case("adaptive_avg_pool2d_1", "F.adaptive_avg_pool2d(x, 1)", new JsonObject { ["output_size"] = 1 },
            new[] { new Input("adaptive_avg_pool2d_1.x", new long[] { 2, 6, 5, 7 }, 0.27, 0.6, 1.0, 0.3) },
            t => F.adaptive_avg_pool2d(t[0], new long[] { 1, 1 }));

        // grid_sample, align_corners=False, zeros padding; grid values span about [-1.25, 1.25] so some fall outside.
        foreach (var (mode, tag) in new[] { (GridSampleMode.Bilinear, "bilinear"), (GridSampleMode.Nearest, "nearest") })
            Case($"grid_sample_{tag}", $"F.grid_sample(mode='{tag}', padding_mode='zeros', align_corners=False)",
                new JsonObject { ["mode"] = tag, ["padding_mode"] = "zeros", ["align_corners"] = false },
                new[] { new Input($"grid_sample_{tag}.x", new long[] { 1, 3, 5, 7 }, 0.33, 0.1, 1.0), new Input($"grid_sample_{tag}.grid", new long[] { 1, 4, 6, 2 }, 0.71, 0.25, 1.25) },
                t => F.grid_sample(t[0], t[1], mode: mode, padding_mode: GridSamplePaddingMode.Zeros, align_corners: false));

        FixtureWriter.SafeTensors(Path.Combine(outDir, "ops.safetensors"), Tensors, new Dictionary<string, string> { ["libtorch"] = torch.__version__ });
        FixtureWriter.Json(Path.Combine(outDir, "ops.json"), new JsonObject
        {
            ["libtorch"] = "2.10", ["torchsharp"] = "0.107.0", ["dtype"] = "float32",
            ["input_formula"] = "flat row-major index i: a*sin(f*i+p)+offset, sin in double, rounded to float32 once",
            ["cases"] = Cases,
        });
        Console.WriteLine($"ops: {Cases.Count} cases, {Tensors.Count} tensors");
    }
}
