using FaceParse.Data;
using FaceParse.Imaging;
using FaceParse.Imaging.Geometry;
using FaceParse.Labels;
using FaceParse.Training;

namespace FaceParse.Tests.Training;

public sealed class AugmenterTests
{
    private static readonly LabelSet Celeb = LabelSets.CelebAMaskHq;

    private static Image Photo(int width, int height, int seed = 1)
    {
        var rng = new Xoshiro256((ulong)seed);
        var image = new Image(width, height, 3);
        for (int i = 0; i < image.Pixels.Length; i++) image.Pixels[i] = (byte)rng.Next(256);
        return image;
    }

    private static LabelMap RandomLabels(int width, int height, byte[] values, int seed = 2)
    {
        var rng = new Xoshiro256((ulong)seed);
        return new LabelMap(width, height, [.. Enumerable.Range(0, width * height).Select(_ => values[rng.Next(values.Length)])]);
    }

    [Fact]
    public void SameSeedGivesIdenticalBytesAndOtherSeedsDiffer()
    {
        var augmenter = new Augmenter(Celeb, new AugmentOptions(), 24, 20);
        var (image, labels) = (Photo(32, 32), RandomLabels(16, 16, [0, 1, 4, 5, 13]));
        var a = augmenter.Apply(image, labels, Xoshiro256.ForSample(7, 0, 3));
        var b = augmenter.Apply(image, labels, Xoshiro256.ForSample(7, 0, 3));
        var c = augmenter.Apply(image, labels, Xoshiro256.ForSample(7, 0, 4));
        Assert.Equal(a.Image.Pixels, b.Image.Pixels);
        Assert.Equal(a.Labels.Labels, b.Labels.Labels);
        Assert.Equal(a.Draw, b.Draw);
        Assert.NotEqual(a.Image.Pixels, c.Image.Pixels);
        Assert.Equal((24, 20, 3), (a.Image.Width, a.Image.Height, a.Image.Channels));
        Assert.Equal((24, 20), (a.Labels.Width, a.Labels.Height));
    }

    [Theory]
    [InlineData(OutsideLabel.Ignore, 255)]
    [InlineData(OutsideLabel.Background, 0)]
    public void LabelsOnlyEverHoldInputValuesAndTheFill(OutsideLabel outside, byte fill)
    {
        byte[] values = [1, 4, 5, 7, 6, 13, 18]; // left/right pairs complete, so flipped labels stay in the set
        var options = new AugmentOptions { RotationDegrees = 30, ScaleMin = 0.7, ScaleMax = 1.3, TranslateFraction = 0.2, OutsideLabel = outside };
        var augmenter = new Augmenter(Celeb, options, 20, 20);
        var labels = RandomLabels(12, 12, values);
        var seen = new HashSet<byte>();
        for (int s = 0; s < 30; s++) seen.UnionWith(augmenter.Apply(Photo(24, 24), labels, new Xoshiro256((ulong)s)).Labels.Labels);
        Assert.Subset(values.Append(fill).ToHashSet(), seen);
        Assert.Contains(fill, seen); // 30° rotations and 0.7 zooms bring in outside pixels
    }

    [Fact]
    public void FlipMirrorsGeometryAndSwapsLeftAndRightClasses()
    {
        int lEye = Celeb.IdOf("l_eye"), rEye = Celeb.IdOf("r_eye"), lBrow = Celeb.IdOf("l_brow"), rBrow = Celeb.IdOf("r_brow");
        var labels = new byte[8 * 4];
        for (int y = 0; y < 4; y++)
        {
            labels[y * 8 + 1] = (byte)lEye;
            labels[y * 8 + 2] = (byte)rBrow;
            labels[y * 8 + 6] = (byte)Celeb.IdOf("nose");
        }
        var image = Photo(8, 4);
        var augmenter = new Augmenter(Celeb, AugmentOptions.None with { FlipProbability = 1 }, 8, 4);
        var result = augmenter.Apply(image, new LabelMap(8, 4, labels), new Xoshiro256(1));
        Assert.True(result.Draw.Flip);
        for (int y = 0; y < 4; y++)
        {
            var row = result.Labels.Labels.AsSpan(y * 8, 8).ToArray();
            Assert.Equal(new byte[] { 0, (byte)Celeb.IdOf("nose"), 0, 0, 0, (byte)lBrow, (byte)rEye, 0 }, row);
            for (int x = 0; x < 8; x++)
                Assert.Equal(image.Pixels.AsSpan((y * 8 + 7 - x) * 3, 3).ToArray(), result.Image.Pixels.AsSpan((y * 8 + x) * 3, 3).ToArray());
        }
    }

    [Theory]
    [InlineData(ResizeMode.Bilinear)]
    [InlineData(ResizeMode.Bicubic)]
    public void IdentityOptionsArePlainResizeEvenWhenImageAndMaskSizesDiffer(ResizeMode mode)
    {
        var image = Photo(40, 30);
        var labels = RandomLabels(20, 15, [0, 1, 2, 13]);
        var result = new Augmenter(Celeb, AugmentOptions.None with { PlainResizeMode = mode }, 16, 12).Apply(image, labels, new Xoshiro256(5));
        Assert.Equal(Resize.Apply(image, 16, 12, mode).Pixels, result.Image.Pixels);
        Assert.Equal(Resize.Labels(labels.Labels, 20, 15, 16, 12), result.Labels.Labels);
        Assert.Equal(AugmentDraw.Identity, result.Draw);
    }

    [Fact]
    public void ColourJitterChangesTheImageButNeverTheLabels()
    {
        var options = AugmentOptions.None with { Brightness = 0.4, Contrast = 0.4, Saturation = 0.4, Hue = 0.1 };
        var image = Photo(10, 10);
        var labels = RandomLabels(10, 10, [0, 1, 4, 5]);
        var result = new Augmenter(Celeb, options, 10, 10).Apply(image, labels, new Xoshiro256(3));
        Assert.Equal(labels.Labels, result.Labels.Labels);
        Assert.NotEqual(image.Pixels, result.Image.Pixels);
        Assert.False(result.Draw.Color.IsIdentity);
    }

    [Fact]
    public void HueAndSaturationLeaveGrayPixelsGrayAndBrightnessScales()
    {
        var gray = new Image(2, 1, 3, [100, 100, 100, 40, 40, 40]);
        ColorJitter.Apply(gray, new ColorJitterParams(1, 1, 1.5, 0.3));
        Assert.Equal(new byte[] { 100, 100, 100, 40, 40, 40 }, gray.Pixels);
        ColorJitter.Apply(gray, new ColorJitterParams(1.5, 1, 1, 0));
        Assert.Equal(new byte[] { 150, 150, 150, 60, 60, 60 }, gray.Pixels);
        var red = new Image(1, 1, 3, [200, 0, 0]);
        ColorJitter.Apply(red, new ColorJitterParams(1, 1, 1, 1.0 / 3)); // a third of a turn: red → green
        Assert.Equal(new byte[] { 0, 200, 0 }, red.Pixels);
    }

    [Fact]
    public void RotationAboutTheCentreKeepsTheCentrePixelAndInvalidOptionsAreRejected()
    {
        var augmenter = new Augmenter(Celeb, AugmentOptions.None, 9, 9);
        var map = augmenter.SourceToOutput(9, 9, AugmentDraw.Identity with { Degrees = 37, Scale = 1.2 });
        var (x, y) = map.Apply(4, 4);
        Assert.Equal(4, x, 9);
        Assert.Equal(4, y, 9);
        Assert.Throws<ArgumentException>(() => new Augmenter(Celeb, new AugmentOptions { ScaleMin = 1.2, ScaleMax = 1.1 }, 8, 8));
        Assert.Throws<ArgumentException>(() => new Augmenter(Celeb, new AugmentOptions { Hue = 0.7 }, 8, 8));
    }
}
