using FaceParse.Models.Mtcnn;
using FaceParse.Nn;
using FaceParse.Tensors;

namespace FaceParse.Models.Tests;

/// <summary>MTCNN's three networks: facenet-pytorch's state-dict keys and shapes, the paper's parameter counts, output shapes,
/// and the (W, H, C) flatten order before the first dense layer.</summary>
public sealed class MtcnnStructureTests
{
    [Fact]
    public void Parameter_counts_are_the_published_ones()
    {
        var nets = new MtcnnNetworks(VarBuilder.Init(1));
        Assert.Equal(PNet.ParameterTotal, nets.PNet.ParameterCount);
        Assert.Equal(RNet.ParameterTotal, nets.RNet.ParameterCount);
        Assert.Equal(ONet.ParameterTotal, nets.ONet.ParameterCount);
        Assert.Equal(6_632 + 100_178 + 389_040, nets.ParameterCount);
    }

    [Fact]
    public void Keys_are_facenet_pytorch_keys()
    {
        var keys = new MtcnnNetworks(VarBuilder.Init(1)).StateDict().Keys.ToList();
        // from facenet-pytorch models/mtcnn.py (module attribute names) and the keys stored in data/onet.pt
        string[] onet = ["conv1.weight", "conv1.bias", "prelu1.weight", "conv2.weight", "conv2.bias", "prelu2.weight",
            "conv3.weight", "conv3.bias", "prelu3.weight", "conv4.weight", "conv4.bias", "prelu4.weight",
            "dense5.weight", "dense5.bias", "prelu5.weight", "dense6_1.weight", "dense6_1.bias", "dense6_2.weight",
            "dense6_2.bias", "dense6_3.weight", "dense6_3.bias"];
        Assert.Equal(onet.Select(k => "onet." + k), keys.Where(k => k.StartsWith("onet.", StringComparison.Ordinal)));
        Assert.Equal(13, keys.Count(k => k.StartsWith("pnet.", StringComparison.Ordinal)));
        Assert.Equal(16, keys.Count(k => k.StartsWith("rnet.", StringComparison.Ordinal)));
        Assert.Contains("rnet.dense4.weight", keys);
        Assert.Contains("pnet.conv4_2.bias", keys);
    }

    [Fact]
    public void Output_shapes_and_probabilities()
    {
        var nets = new MtcnnNetworks(VarBuilder.Init(2));
        using var _ = GradMode.NoGrad();
        var (offsets, probabilities) = nets.PNet.Forward(Tensor.Uniform(new Random(1), -1, 1, 1, 3, 31, 40));
        // conv3 → 29×38, pool 2/2 ceil → 15×19, two 3×3 convs → 11×15
        Assert.Equal([1, 4, 11, 15], offsets.Shape);
        Assert.Equal([1, 2, 11, 15], probabilities.Shape);
        var p = probabilities.ToArray();
        for (int i = 0; i < 11 * 15; i++) Assert.Equal(1f, p[i] + p[165 + i], 5);
        var (ro, rp) = nets.RNet.Forward(Tensor.Uniform(new Random(2), -1, 1, 3, 3, 24, 24));
        Assert.Equal([3, 4], ro.Shape);
        Assert.Equal([3, 2], rp.Shape);
        var (oo, ol, op) = nets.ONet.Forward(Tensor.Uniform(new Random(3), -1, 1, 2, 3, 48, 48));
        Assert.Equal([2, 4], oo.Shape);
        Assert.Equal([2, 10], ol.Shape);
        Assert.Equal([2, 2], op.Shape);
    }

    [Fact]
    public void First_dense_layer_reads_features_in_w_h_c_order()
    {
        // RNet's conv3 output is [N, 64, 3, 3]; facenet-pytorch permutes it to [N, W, H, C] before flattening, so dense4's
        // input column j = (w·3 + h)·64 + c. Set dense4 to read one such column and check which conv3 cell it sees.
        var nets = new MtcnnNetworks(VarBuilder.Init(3));
        var rnet = nets.RNet;
        using var _ = GradMode.NoGrad();
        var x = Tensor.Uniform(new Random(4), -1, 1, 1, 3, 24, 24);
        var features = rnet.Prelu3.Forward(rnet.Conv3.Forward(rnet.Prelu2.Forward(rnet.Conv2.Forward(
            rnet.Prelu1.Forward(rnet.Conv1.Forward(x)).MaxPool2d(3, 2, ceilMode: true))).MaxPool2d(3, 2, ceilMode: true)));
        Assert.Equal([1, 64, 3, 3], features.Shape);
        int c = 5, h = 2, w = 1, column = (w * 3 + h) * 64 + c;
        rnet.Dense4.Weight.Span.Clear();
        rnet.Dense4.Bias!.Span.Clear();
        rnet.Dense4.Weight.Span[column] = 1f;                   // output 0 = input column
        rnet.Prelu4.Weight.Span[0] = 1f;                        // identity for output 0
        rnet.Dense5_2.Weight.Span.Clear();
        rnet.Dense5_2.Bias!.Span.Clear();
        rnet.Dense5_2.Weight.Span[0] = 1f;                      // offset 0 = dense4 output 0
        var (offsets, _) = rnet.Forward(x);
        Assert.Equal(features.ToArray()[(c * 3 + h) * 3 + w], offsets.ToArray()[0], 6);
    }
}
