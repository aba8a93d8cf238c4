using System.Text.Json;
using FaceParse.Tensors.Serialization;

namespace FaceParse.Models.Tests.SegFace;

/// <summary>The ops SegFace and its backbones use, against libtorch 2.10 on the op fixtures (ops.json cases).</summary>
public sealed class OpFixtureTests
{
    public static TheoryData<string> Cases => new(
        "attention", "softmax_lastdim", "roll_nchw", "roll_nhwc", "layer_norm_eps1e-5", "layer_norm_eps1e-6", "layer_norm2d",
        "gelu", "hardswish", "hardsigmoid", "silu", "bilinear_up2", "bilinear_up4", "bilinear_frac", "bilinear_down",
        "bicubic_up2", "bicubic_up4", "bicubic_frac", "bicubic_down", "conv_transpose2d_k2s2", "adaptive_avg_pool2d_1",
        "grid_sample_bilinear", "grid_sample_nearest");

    [Theory]
    [MemberData(nameof(Cases))]
    public void OpMatchesLibtorch(string name)
    {
        var json = JsonDocument.Parse(File.ReadAllText(TorchFixtures.PathOf("ops", ".json"))).RootElement;
        var tensors = SafeTensors.Load(TorchFixtures.PathOf("ops", ".safetensors")).Tensors;
        var c = json.GetProperty("cases").EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);
        var p = c.GetProperty("parameters");
        Tensor In(string n) => tensors[name + "." + n];
        int[] Ints(string key) => p.GetProperty(key).EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Tensor y = name switch
        {
            "attention" => Tensor.ScaledDotProductAttention(In("q"), In("k"), In("v")),
            "softmax_lastdim" => In("x").Softmax(-1),
            _ when name.StartsWith("roll", StringComparison.Ordinal) => In("x").Roll(Ints("shifts"), Ints("dims")),
            _ when name.StartsWith("layer_norm_eps", StringComparison.Ordinal) => In("x").LayerNorm(In("w"), In("b"), (float)p.GetProperty("eps").GetDouble()),
            "layer_norm2d" => In("x").LayerNorm2d(In("w"), In("b"), (float)p.GetProperty("eps").GetDouble()),
            "gelu" => In("x").Gelu(),
            "hardswish" => In("x").HardSwish(),
            "hardsigmoid" => In("x").HardSigmoid(),
            "silu" => In("x").Silu(),
            _ when name.StartsWith("bilinear_", StringComparison.Ordinal) || name.StartsWith("bicubic_", StringComparison.Ordinal) => Resize(In("x"), c, p),
            "conv_transpose2d_k2s2" => In("x").ConvTranspose2d(In("w"), In("b"), stride: 2),
            "adaptive_avg_pool2d_1" => In("x").AdaptiveAvgPool2d(1, 1),
            "grid_sample_bilinear" => In("x").GridSample(In("grid"), GridSampleMode.Bilinear, GridPadding.Zeros, alignCorners: false),
            "grid_sample_nearest" => In("x").GridSample(In("grid"), GridSampleMode.Nearest, GridPadding.Zeros, alignCorners: false),
            _ => throw new ArgumentException(name),
        };
        var expected = tensors[c.GetProperty("output").GetString()!];
        double rel = TorchFixtures.RelativeL2(y, expected);
        Assert.True(rel <= 1e-5, $"{name}: relative L2 {rel:E3}");
    }

    private static Tensor Resize(Tensor x, JsonElement c, JsonElement p)
    {
        var mode = p.GetProperty("mode").GetString() == "bicubic" ? InterpolateMode.Bicubic : InterpolateMode.Bilinear;
        var shape = c.GetProperty("output_shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        return x.Interpolate(shape[2], shape[3], mode, alignCorners: false);
    }
}
