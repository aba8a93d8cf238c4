using FaceParse.Imaging;
using FaceParse.Imaging.Geometry;
using FaceParse.Imaging.Png;
using FaceParse.Inference;
using FaceParse.Tensors;

namespace FaceParse.Tests.Inference;

public sealed class FaceParserTests
{
    private static readonly FaceParser Parser = new(TinyModels.Create(), new FaceParserOptions { KeepProbabilities = true, KeepLogits = true });

    [Fact]
    public void DefaultOutputIsThePhotosOwnSize()
    {
        var photo = TinyModels.Photo(45, 27);
        var result = Parser.Parse(photo);
        Assert.Equal((45, 27), (result.Width, result.Height));
        Assert.Equal(45 * 27, result.LabelMap.Length);
        Assert.All(result.LabelMap, id => Assert.True(id < Parser.Labels.Count));
        Assert.Equal([Parser.Labels.Count, 27, 45], result.Probabilities!.Shape);
        Assert.Equal([Parser.Labels.Count, 27, 45], result.Logits!.Shape);
    }

    [Theory]
    [InlineData(40, 24)]
    [InlineData(17, 33)]
    [InlineData(64, 64)]
    public void ExplicitOutputSizesMatchTheManualPipeline(int width, int height)
    {
        // Bicubic resize to the input size, Forward at (height, width), arg-max: a swapped width/height or a transposed map fails here.
        var photo = TinyModels.Photo(50, 30, seed: 4);
        var result = Parser.Parse(photo, (width, height));
        Assert.Equal((width, height), (result.Width, result.Height));
        var input = FaceParser.PrepareInput(photo, TinyModels.InputSize);
        Assert.Equal([1, 3, TinyModels.InputSize, TinyModels.InputSize], input.Shape);
        using var noGrad = GradMode.NoGrad();
        var expected = Parser.Model.Forward(input, height, width).ArgMax(1).Data.Select(v => (byte)v).ToArray();
        Assert.Equal(expected, result.LabelMap);
        var probabilities = result.Probabilities!.ToArray();
        for (int p = 0; p < width * height; p += 7)
        {
            float sum = 0;
            for (int c = 0; c < Parser.Labels.Count; c++) sum += probabilities[c * width * height + p];
            Assert.Equal(1f, sum, 3);
        }
    }

    [Fact]
    public void InputSizeOverrideIsUsed()
    {
        var parser = new FaceParser(Parser.Model, new FaceParserOptions { InputSize = 48 });
        Assert.Equal(48, parser.InputSize);
        Assert.Equal(32, Parser.InputSize);
        var result = parser.Parse(TinyModels.Photo(20, 20));
        Assert.Equal(400, result.LabelMap.Length);
    }

    [Fact]
    public void ParseFacesPastesIntoTheBoxAndLeavesTheRestBackground()
    {
        var parser = new FaceParser(TinyModels.CreateWithoutBackground(), new FaceParserOptions { FaceMargin = FaceMargin.Uniform(0), KeepProbabilities = true });
        var photo = TinyModels.Photo(64, 48, seed: 2);
        var box = new FaceBox(20, 10, 16, 20);
        var result = parser.ParseFaces(photo, [box]);
        var alone = parser.Parse(Transforms.Crop(photo, box.X, box.Y, box.Width, box.Height));
        var probabilities = result.Probabilities!.ToArray();
        for (int y = 0; y < 48; y++)
            for (int x = 0; x < 64; x++)
            {
                byte id = result.LabelMap[y * 64 + x];
                bool inside = x >= box.X && x < box.X + box.Width && y >= box.Y && y < box.Y + box.Height;
                if (inside) Assert.Equal(alone.LabelMap[(y - box.Y) * box.Width + x - box.X], id);
                else
                {
                    Assert.Equal(0, id);
                    Assert.Equal(1f, probabilities[y * 64 + x]);
                }
            }
        Assert.DoesNotContain((byte)0, alone.LabelMap);
    }

    [Fact]
    public void FaceBoxesGrowByTheStatedMarginAndClampToThePhoto()
    {
        Assert.Equal(new FaceBox(35, 20, 30, 35), new FaceBox(40, 30, 20, 20).Expand(FaceMargin.Default, 100, 100));
        Assert.Equal(new FaceBox(0, 0, 15, 12), new FaceBox(2, 2, 10, 8).Expand(FaceMargin.Default, 15, 12));
        Assert.Equal(new FaceBox(1, 2, 3, 4), FaceBox.Parse("1, 2,3,4"));
        Assert.Throws<FormatException>(() => FaceBox.Parse("1,2,3"));
        Assert.Throws<ArgumentException>(() => new FaceBox(200, 200, 10, 10).Expand(FaceMargin.Default, 100, 100));
    }

    [Fact]
    public void MasksPresentClassesAndPalettePngAgreeWithTheLabelMap()
    {
        var result = Parser.Parse(TinyModels.Photo(40, 30, seed: 3));
        var present = result.PresentClasses;
        Assert.NotEmpty(present);
        Assert.Equal(result.LabelMap.Distinct().Order().Select(id => (int)id), present.Select(c => c.Id));
        foreach (var cls in present)
        {
            var mask = result.MaskOf(cls.Name);
            Assert.Equal(1, mask.Channels);
            for (int i = 0; i < mask.Pixels.Length; i++) Assert.Equal(result.LabelMap[i] == cls.Id ? 255 : 0, mask.Pixels[i]);
            Assert.Equal(mask.Pixels, result.MaskOf(cls.Id).Pixels);
        }
        Assert.Throws<KeyNotFoundException>(() => result.MaskOf("no-such-class"));

        var decoded = PngDecoder.Decode(result.ToPng());
        Assert.NotNull(decoded.Palette);
        Assert.Equal(result.LabelMap, decoded.Palette!.Indices);
        Assert.Equal(Parser.Labels.PaletteRgb(), decoded.Palette.Palette);

        var photo = TinyModels.Photo(40, 30, seed: 3);
        var overlay = result.Overlay(photo);
        Assert.Equal((40, 30, 3), (overlay.Width, overlay.Height, overlay.Channels));
        var small = result.Overlay(TinyModels.Photo(20, 15));
        Assert.Equal((40, 30), (small.Width, small.Height));
    }

    [Fact]
    public void ConcurrentParsesEqualSequentialOnes()
    {
        var photos = Enumerable.Range(0, 6).Select(i => TinyModels.Photo(30 + 3 * i, 40 - 2 * i, seed: i)).ToArray();
        var sequential = photos.Select(p => Parser.Parse(p).LabelMap).ToArray();
        var parallel = new byte[photos.Length * 3][];
        Parallel.For(0, parallel.Length, new ParallelOptions { MaxDegreeOfParallelism = 6 }, i => parallel[i] = Parser.Parse(photos[i % photos.Length]).LabelMap);
        for (int i = 0; i < parallel.Length; i++) Assert.Equal(sequential[i % photos.Length], parallel[i]);
    }
}
