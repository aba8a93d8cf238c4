using FaceParse.Detection;
using FaceParse.Imaging;
using FaceParse.Inference;
using FaceParse.Nn;

namespace FaceParse.Tests.Detection;

/// <summary>The committed models/mtcnn.safetensors against facenet-pytorch's original .pt files (read by the checkpoint
/// reader, strides honoured), and the detector on inputs that hold no face.</summary>
public sealed class MtcnnWeightsTests
{
    [Fact]
    public void Shipped_weights_equal_the_facenet_pytorch_checkpoints()
    {
        var shipped = StateDicts.Load(ModelRegistry.ResolvePath(MtcnnDetector.DefaultModelName));
        int compared = 0;
        foreach (string net in new[] { "pnet", "rnet", "onet" })
        {
            var original = StateDicts.LoadPyTorch(MtcnnFixtures.PathOf(net + ".pt"));
            foreach (var (key, tensor) in original)
            {
                var mine = shipped[net + "." + key];
                Assert.Equal(tensor.Shape, mine.Shape);
                Assert.Equal(tensor.Contiguous().ToArray(), mine.ToArray());
                compared++;
            }
        }
        Assert.Equal(shipped.Count, compared);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Flat_colour_has_no_face_at_any_channel_count(int channels)
    {
        var image = new Image(320, 240, channels);
        Array.Fill(image.Pixels, (byte)128);
        Assert.Empty(MtcnnFixtures.Detector.Detect(image));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(11, 300)]
    [InlineData(40, 12)]
    public void Images_below_the_smallest_window_give_no_face(int width, int height)
    {
        var image = new Image(width, height, 3);
        new Random(1).NextBytes(image.Pixels);
        Assert.Empty(MtcnnFixtures.Detector.Detect(image));
    }
}
