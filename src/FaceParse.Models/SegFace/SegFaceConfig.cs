using FaceParse.Models.Backbones;
using FaceParse.Nn;

namespace FaceParse.Models.SegFace;

/// <summary>The backbones SegFace's official code offers (those with published weights).</summary>
public enum SegFaceBackbone
{
    MobileNetV3Large,
    ResNet101,
    EfficientNetV2M,
    ConvNeXtBase,
    SwinB,
    SwinV2B,
}

/// <summary>What fixes a SegFace model's shape: the backbone and the class tokens (names = the official
/// <c>face_decoder.&lt;name&gt;_token</c> attributes, in output order).</summary>
public sealed record SegFaceConfig(SegFaceBackbone Backbone, IReadOnlyList<string> Tokens)
{
    /// <summary>CelebAMask-HQ (segface_celeb.py), 19 tokens in SegFace's class order.</summary>
    public static IReadOnlyList<string> CelebAMaskTokens { get; } =
    [
        "background", "neck", "face", "cloth", "rightear", "leftear", "rightbro", "leftbro", "righteye", "lefteye",
        "nose", "innermouth", "lowerlip", "upperlip", "hair", "glass", "hat", "earring", "necklace",
    ];

    /// <summary>LaPa and Helen (segface_lapa.py, segface_helen.py), 11 tokens.</summary>
    public static IReadOnlyList<string> LapaTokens { get; } =
    [
        "background", "face", "leftbro", "rightbro", "lefteye", "righteye", "nose", "upperlip", "innermouth", "lowerlip", "hair",
    ];

    /// <summary>Decoder width (transformer_dim).</summary>
    public const int Dim = 256;

    /// <summary>Number of output classes.</summary>
    public int NumClasses => Tokens.Count;

    /// <summary>Short backbone name used in model names (segface-&lt;name&gt;) and messages.</summary>
    public string BackboneName => NameOf(Backbone);

    public static string NameOf(SegFaceBackbone b) => b switch
    {
        SegFaceBackbone.MobileNetV3Large => "mobilenet",
        SegFaceBackbone.ResNet101 => "resnet101",
        SegFaceBackbone.EfficientNetV2M => "efficientnet",
        SegFaceBackbone.ConvNeXtBase => "convnext",
        SegFaceBackbone.SwinB => "swin_b",
        SegFaceBackbone.SwinV2B => "swin_v2_b",
        _ => throw new ArgumentOutOfRangeException(nameof(b)),
    };

    /// <summary>The backbone for a short name (mobilenet, resnet101, efficientnet, convnext, swin_b, swin_v2_b).</summary>
    public static SegFaceBackbone Parse(string name) =>
        Enum.GetValues<SegFaceBackbone>().FirstOrDefault(b => NameOf(b) == name) is var b && NameOf(b) == name
            ? b
            : throw new ArgumentException($"Unknown SegFace backbone '{name}'. Valid: {string.Join(", ", Enum.GetValues<SegFaceBackbone>().Select(NameOf))}.");

    /// <summary>Builds the backbone module (keys relative to SegFace's <c>backbone</c>).</summary>
    public static Module CreateBackbone(VarBuilder vb, SegFaceBackbone backbone) => backbone switch
    {
        SegFaceBackbone.MobileNetV3Large => new MobileNetV3Large(vb),
        SegFaceBackbone.ResNet101 => new ResNet101(vb),
        SegFaceBackbone.EfficientNetV2M => new EfficientNetV2M(vb),
        SegFaceBackbone.ConvNeXtBase => new ConvNeXtBase(vb),
        SegFaceBackbone.SwinB => new SwinTransformer(vb, v2: false),
        SegFaceBackbone.SwinV2B => new SwinTransformer(vb, v2: true),
        _ => throw new ArgumentOutOfRangeException(nameof(backbone)),
    };
}
