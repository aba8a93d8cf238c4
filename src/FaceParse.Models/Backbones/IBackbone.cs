using FaceParse.Nn;
using FaceParse.Tensors;

namespace FaceParse.Models.Backbones;

/// <summary>A feature extractor SegFace taps at four scales (strides 4, 8, 16, 32).</summary>
/// <remarks>The module's own state-dict keys are those of SegFace's <c>backbone</c> attribute (for MobileNetV3 and
/// EfficientNetV2 torchvision's <c>features</c>; for ResNet, ConvNeXt and Swin <c>nn.Sequential(*children[:-1])</c>).
/// <see cref="FromTorchvisionKey"/> maps a key of the torchvision classification model to ours (null for the
/// classifier), so ImageNet weights and the libtorch fixtures load mechanically.</remarks>
public interface IBackbone
{
    /// <summary>Channels of the four taps, shallowest first.</summary>
    IReadOnlyList<int> TapChannels { get; }

    /// <summary>The four tap outputs, shallowest first, NCHW.</summary>
    // x[N,3,H,W] -> taps[i][N, TapChannels[i], ~H/2^(i+2), ~W/2^(i+2)]
    Tensor[] Taps(Tensor x);

    /// <summary>Our key for a key of torchvision's classification model, or null when SegFace drops it.</summary>
    string? FromTorchvisionKey(string torchvisionKey);

    /// <summary>Restarts the generator stochastic depth draws from while training (a training step passes a seed drawn
    /// from the run's resumable generator, so a resumed run repeats an uninterrupted one).</summary>
    void ReseedStochasticDepth(int seed);
}

/// <summary>The generator a backbone's stochastic-depth blocks share; reseeded per training step.</summary>
public sealed class DropPathRandom
{
    public Random Random { get; private set; } = new(0);

    public void Reseed(int seed) => Random = new Random(seed);
}

/// <summary>Running a torchvision <c>features</c> Sequential and keeping the outputs of the tap indices (shared by the
/// backbones that tap <c>features</c> directly).</summary>
internal static class FeatureTaps
{
    // x[N,3,H,W] -> the outputs of features[tapIndices[0..3]], running the layers up to the last tap only
    public static Tensor[] Collect(IReadOnlyList<IModule> features, IReadOnlyList<int> tapIndices, Tensor x)
    {
        var taps = new Tensor[tapIndices.Count];
        int t = 0;
        for (int i = 0; i <= tapIndices[^1]; i++)
        {
            x = features[i].Forward(x);
            if (i == tapIndices[t]) taps[t++] = x;
        }
        return taps;
    }
}

/// <summary>Key renaming shared by the backbones.</summary>
internal static class BackboneKeys
{
    // "features.3.block.0.0.weight" -> "3.block.0.0.weight" (prefix dropped), other keys -> null.
    public static string? StripPrefix(string key, string prefix) =>
        key.StartsWith(prefix + ".", StringComparison.Ordinal) ? key[(prefix.Length + 1)..] : null;

    // Maps the first path segment through a table ("layer1" -> "4"); keys whose first segment is absent -> null.
    public static string? RenameHead(string key, IReadOnlyDictionary<string, string> heads)
    {
        int dot = key.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0) return null;
        return heads.TryGetValue(key[..dot], out var head) ? head + key[dot..] : null;
    }
}

/// <summary>A container whose children sit at chosen names, for torch Sequentials whose parameter-free members
/// (Permute, GELU, Dropout) leave gaps in the numbering (<c>block.0</c>, <c>block.2</c>, <c>block.3</c>, <c>block.5</c>).</summary>
internal sealed class Slots : Module
{
    public T Add<T>(string name, T module) where T : Module => RegisterModule(name, module);
}
