using FaceParse.Detection;
using FaceParse.Imaging;
using FaceParse.Tensors;

namespace FaceParse.Tests.Detection;

/// <summary>The pieces of the pipeline against references: area sampling against the tensor library's adaptive_avg_pool2d,
/// zero padding, both NMS forms on hand-worked boxes, and the pyramid and shrink rules.</summary>
public sealed class DetectionUnitTests
{
    private static Image Noise(int w, int h, int seed)
    {
        var image = new Image(w, h, 3);
        new Random(seed).NextBytes(image.Pixels);
        return image;
    }

    [Theory]
    [InlineData(37, 29, 12, 12)]
    [InlineData(50, 40, 24, 24)]
    [InlineData(13, 17, 48, 48)] // upsampling
    [InlineData(100, 61, 71, 43)]
    public void Area_sampling_equals_adaptive_avg_pool(int w, int h, int outW, int outH)
    {
        var image = Noise(w + 10, h + 8, w);
        var sampled = new float[3 * outW * outH];
        AreaCrop.Sample(image, 4, 3, w, h, outW, outH, sampled);
        var planes = Tensor.Empty(1, 3, h, w);
        var s = planes.Span;
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    s[(c * h + y) * w + x] = image.Pixels[((y + 3) * image.Width + x + 4) * 3 + c];
        var expected = planes.AdaptiveAvgPool2d(outH, outW).ToArray();
        for (int i = 0; i < sampled.Length; i++) Assert.Equal((expected[i] - 127.5f) / 128f, sampled[i], 4);
    }

    [Fact]
    public void Area_sampling_pads_with_zero_pixels_outside_the_photo()
    {
        var image = new Image(4, 4, 3);
        Array.Fill(image.Pixels, (byte)200);
        var sampled = new float[3 * 2 * 2];
        AreaCrop.Sample(image, -4, 0, 8, 4, 2, 2, sampled); // left half outside
        Assert.Equal((0 - 127.5f) / 128f, sampled[0], 5);
        Assert.Equal((200 - 127.5f) / 128f, sampled[1], 5);
    }

    private static Candidate Box(float x1, float y1, float x2, float y2, float score) => new(x1, y1, x2, y2, score);

    [Fact]
    public void Union_nms_matches_torchvision_semantics()
    {
        // IoU(a, b) = 80/120 = 0.667 (no +1); c is disjoint
        var boxes = new[] { Box(0, 0, 10, 10, 0.8f), Box(2, 0, 12, 10, 0.9f), Box(20, 20, 30, 30, 0.5f) };
        Assert.Equal([1, 2], Nms.Union(boxes, 0.5f));
        Assert.Equal([1, 0, 2], Nms.Union(boxes, 0.7f));
    }

    [Fact]
    public void Min_nms_divides_by_the_smaller_inclusive_area()
    {
        // small box inside a big one: intersection / min area = 1 although IoU is small
        var boxes = new[] { Box(0, 0, 99, 99, 0.9f), Box(10, 10, 19, 19, 0.95f) };
        Assert.Equal([1], Nms.Min(boxes, 0.7f));
        Assert.Equal([1, 0], Nms.Union(boxes, 0.7f));
    }

    [Fact]
    public void Pyramid_scales_follow_facenet()
    {
        var detector = MtcnnFixtures.Detector;
        var scales = detector.Scales(100);
        // 12/20 = 0.6, times 0.709 while 100·scale ≥ 12
        Assert.Equal(0.6, scales[0], 12);
        Assert.Equal(0.6 * 0.709, scales[1], 6);
        Assert.True(100 * scales[^1] >= 12 && 100 * scales[^1] * 0.709 < 12);
        Assert.Equal(1, detector.ShrinkFactor(2048, 1000));
        Assert.Equal(2, detector.ShrinkFactor(2049, 1000));
        Assert.Equal(5, detector.ShrinkFactor(10000, 10000));
    }
}
