using FaceParse.Models.Backbones;
using FaceParse.Models.SegFace;

namespace FaceParse.Models.Tests.SegFace;

/// <summary>SegFace's parameter counts against the paper and torchvision's published classification counts, and its
/// state-dict key names against the official source (Kartik-3004/SegFace network/models/*.py, torchvision 0.15).</summary>
public sealed class SegFaceStructureTests
{
    // Paper (Table of model sizes), in thousands of parameters. They are the 11-token (LaPa/Helen) models: every
    // backbone's count matches with 11 class tokens; the 19-token CelebAMask-HQ model has 8·256 = 2,048 more.
    public static TheoryData<SegFaceBackbone, long> PaperThousands => new()
    {
        { SegFaceBackbone.MobileNetV3Large, 7_034 },
        { SegFaceBackbone.ResNet101, 47_254 },
        { SegFaceBackbone.EfficientNetV2M, 57_035 },
        { SegFaceBackbone.SwinB, 91_006 },
        { SegFaceBackbone.SwinV2B, 91_168 },
    };

    [Theory]
    [MemberData(nameof(PaperThousands))]
    public void ParameterCountEqualsThePapersToTheThousand(SegFaceBackbone backbone, long paperThousands)
    {
        var lapa = new SegFaceModel(VarBuilder.Init(0), new SegFaceConfig(backbone, SegFaceConfig.LapaTokens));
        Assert.Equal(paperThousands, (long)Math.Round(lapa.ParameterCount / 1000.0));
        var celeb = new SegFaceModel(VarBuilder.Init(0), new SegFaceConfig(backbone, SegFaceConfig.CelebAMaskTokens));
        Assert.Equal(lapa.ParameterCount + 8 * 256, celeb.ParameterCount);
    }

    // torchvision's published num_params of the classification models = our backbone + the classifier SegFace drops.
    public static TheoryData<SegFaceBackbone, long, long> Torchvision => new()
    {
        { SegFaceBackbone.MobileNetV3Large, 5_483_032, 960 * 1280 + 1280 + 1280 * 1000 + 1000 },
        { SegFaceBackbone.ResNet101, 44_549_160, 2048 * 1000 + 1000 },
        { SegFaceBackbone.EfficientNetV2M, 54_139_356, 1280 * 1000 + 1000 },
        { SegFaceBackbone.ConvNeXtBase, 88_591_464, 2 * 1024 + 1024 * 1000 + 1000 },
        { SegFaceBackbone.SwinB, 87_768_224, 1024 * 1000 + 1000 },
        { SegFaceBackbone.SwinV2B, 87_930_848, 1024 * 1000 + 1000 },
    };

    [Theory]
    [MemberData(nameof(Torchvision))]
    public void BackboneCountEqualsTorchvisionsPublishedCountMinusTheClassifier(SegFaceBackbone backbone, long published, long classifier)
    {
        var model = SegFaceConfig.CreateBackbone(VarBuilder.Init(0), backbone);
        Assert.Equal(published - classifier, model.ParameterCount);
    }

    [Fact]
    public void KeyNamesFollowTheOfficialModules()
    {
        var model = new SegFaceModel(VarBuilder.Init(0), new SegFaceConfig(SegFaceBackbone.MobileNetV3Large, SegFaceConfig.CelebAMaskTokens));
        var keys = model.StateDict().Keys.ToList();
        string[] expected =
        [
            "backbone.0.0.weight", "backbone.0.1.running_var", "backbone.0.1.num_batches_tracked", "backbone.1.block.0.0.weight",
            "backbone.4.block.2.fc1.weight", "backbone.4.block.2.fc2.bias", "backbone.16.0.weight",
            "pe_layer.positional_encoding_gaussian_matrix",
            "face_decoder.transformer.layers.0.self_attn.q_proj.weight", "face_decoder.transformer.layers.1.cross_attn_image_to_token.out_proj.bias",
            "face_decoder.transformer.layers.0.mlp.lin1.weight", "face_decoder.transformer.layers.1.norm4.weight",
            "face_decoder.transformer.final_attn_token_to_image.k_proj.weight", "face_decoder.transformer.norm_final_attn.bias",
            "face_decoder.background_token.weight", "face_decoder.necklace_token.weight",
            "face_decoder.output_upscaling.0.weight", "face_decoder.output_upscaling.1.bias", "face_decoder.output_upscaling.3.weight",
            "face_decoder.output_hypernetwork_mlps.layers.2.weight",
            "linear_c.0.proj.weight", "linear_c.3.proj.bias", "linear_fuse.weight",
        ];
        foreach (var k in expected) Assert.Contains(k, keys);
        Assert.DoesNotContain(keys, k => k.StartsWith("backbone.17", StringComparison.Ordinal) || k.Contains("classifier", StringComparison.Ordinal));
        // torch order: backbone, pe_layer, face_decoder (transformer before the tokens), linear_c, linear_fuse last.
        Assert.True(keys.IndexOf("backbone.16.1.num_batches_tracked") < keys.IndexOf("pe_layer.positional_encoding_gaussian_matrix"));
        Assert.True(keys.IndexOf("face_decoder.transformer.norm_final_attn.bias") < keys.IndexOf("face_decoder.background_token.weight"));
        Assert.Equal("linear_fuse.weight", keys[^1]);
        Assert.Equal([256, 1024, 1, 1], model.StateDict()["linear_fuse.weight"].Shape.ToArray());
        Assert.Equal([2, 128], model.StateDict()["pe_layer.positional_encoding_gaussian_matrix"].Shape.ToArray());
    }

    [Fact]
    public void SwinAndConvNeXtKeysFollowTorchvision()
    {
        var swin = SegFaceConfig.CreateBackbone(VarBuilder.Init(0), SegFaceBackbone.SwinV2B).StateDict();
        foreach (var k in new[] { "0.0.0.weight", "0.0.2.bias", "0.1.0.norm1.weight", "0.1.0.attn.logit_scale", "0.1.0.attn.relative_coords_table",
                     "0.1.0.attn.relative_position_index", "0.1.1.attn.qkv.bias", "0.1.1.attn.cpb_mlp.0.weight", "0.1.1.attn.cpb_mlp.2.weight",
                     "0.1.1.mlp.0.weight", "0.1.1.mlp.3.bias", "0.2.reduction.weight", "0.7.1.norm2.bias", "1.weight" })
            Assert.True(swin.ContainsKey(k), k);
        Assert.Equal([256], swin["0.2.norm.weight"].Shape.ToArray()); // v2 merges (C = 128): reduction then LayerNorm(2C)
        Assert.Equal([8 * 8 * 8 * 8], swin["0.1.0.attn.relative_position_index"].Shape.ToArray());
        var swin1 = SegFaceConfig.CreateBackbone(VarBuilder.Init(0), SegFaceBackbone.SwinB).StateDict();
        Assert.Equal([13 * 13, 4], swin1["0.1.0.attn.relative_position_bias_table"].Shape.ToArray());
        Assert.Equal([512], swin1["0.2.norm.weight"].Shape.ToArray());     // v1 merges (C = 128): LayerNorm(4C) then reduction
        var convnext = SegFaceConfig.CreateBackbone(VarBuilder.Init(0), SegFaceBackbone.ConvNeXtBase).StateDict();
        foreach (var k in new[] { "0.0.0.weight", "0.0.0.bias", "0.0.1.weight", "0.1.0.layer_scale", "0.1.0.block.0.weight", "0.1.0.block.2.weight",
                     "0.1.0.block.3.weight", "0.1.0.block.5.bias", "0.2.0.weight", "0.2.1.weight", "0.7.2.layer_scale" })
            Assert.True(convnext.ContainsKey(k), k);
        Assert.Equal([128, 1, 7, 7], convnext["0.1.0.block.0.weight"].Shape.ToArray());
    }

    [Fact]
    public void SwinRelativePositionIndexAndShiftMaskFollowTorchvision()
    {
        // index for a 2×2 window: (Δy + 1)·3 + (Δx + 1)
        Assert.Equal([4, 3, 1, 0, 5, 4, 2, 1, 7, 6, 4, 3, 8, 7, 5, 4], ShiftedWindowAttention.RelativePositionIndex(2));
        // 4×4 map, window 2, shift 1: regions rows/cols {0,1}->0? torchvision slices (0,-2), (-2,-1), (-1,None).
        var mask = ShiftedWindowAttention.ShiftMask(4, 4, 2, 1, 1).ToArray();
        // window 0 (rows 0-1, cols 0-1) lies in one region: no masking.
        Assert.All(mask.Take(16), v => Assert.Equal(0f, v));
        // window 3 (rows 2-3, cols 2-3): row 2 is slice 1, row 3 slice 2 (same for cols): 4 regions, 12 masked pairs of 16.
        Assert.Equal(12, mask.Skip(3 * 16).Take(16).Count(v => v == -100f));
    }
}
