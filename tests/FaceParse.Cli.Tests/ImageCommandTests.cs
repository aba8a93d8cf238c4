using System.Text.Json;
using FaceParse.Imaging;
using FaceParse.Imaging.Png;
using FaceParse.Imaging.Tests;

namespace FaceParse.Cli.Tests;

[Collection("cli")]
public sealed class ImageCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("faceparse-image-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    /// <summary>A smooth RGB gradient (JPEG-friendly) written as PNG.</summary>
    private string WritePng(string name, int channels)
    {
        var image = new Image(37, 23, channels);
        for (int i = 0; i < image.Pixels.Length; i++)
        {
            int x = i / channels % 37, y = i / channels / 37, c = i % channels;
            image.Pixels[i] = (byte)(x * 3 + y * 2 + 30 * c); // at most 108 + 44 + 90: no wrap-around edges
        }
        File.WriteAllBytes(PathOf(name), PngEncoder.Encode(image));
        return PathOf(name);
    }

    private (int Exit, string Out, string Err) Convert(string from, string to, params string[] extra)
    {
        var result = CliHarness.Run(["image", "convert", from, to, .. extra]);
        Assert.True(result.Exit == 0, result.Err);
        return result;
    }

    [Theory]
    [InlineData("out.ppm", 3)]
    [InlineData("out.pam", 4)]
    [InlineData("out.bmp", 4)]
    [InlineData("out.bmp", 3)]
    [InlineData("out.pgm", 1)]
    public void LosslessRoundTripsThroughEveryFormat(string name, int channels)
    {
        string png = WritePng("in.png", channels);
        Convert(png, PathOf(name));
        Convert(PathOf(name), PathOf("back.png"));
        var original = ImageCodec.Load(png).Image;
        var back = ImageCodec.Load(PathOf("back.png")).Image;
        Assert.Equal((original.Width, original.Height, original.Channels), (back.Width, back.Height, back.Channels));
        Assert.Equal(original.Pixels, back.Pixels);
    }

    [Fact]
    public void JpegRoundTripIsClose()
    {
        string png = WritePng("in.png", 3);
        Convert(png, PathOf("out.jpg"), "--quality", "95");
        Assert.Equal(ImageFileFormat.Jpeg, ImageCodec.Detect(File.ReadAllBytes(PathOf("out.jpg"))));
        Convert(PathOf("out.jpg"), PathOf("back.png"));
        var original = ImageCodec.Load(png).Image.Pixels;
        var back = ImageCodec.Load(PathOf("back.png")).Image.Pixels;
        Assert.Equal(original.Length, back.Length);
        double mean = original.Zip(back, (a, b) => Math.Abs(a - b)).Average();
        Assert.True(mean < 3, $"mean abs diff {mean}");
    }

    [Fact]
    public void SixteenBitPngBecomesPgmWithMaxval65535()
    {
        var samples = Enumerable.Range(0, 9 * 5).Select(i => (ushort)(i * 1400 + 7)).ToArray();
        File.WriteAllBytes(PathOf("deep.png"), PngEncoder.Encode(new Image16(9, 5, 1, samples)));
        Convert(PathOf("deep.png"), PathOf("deep.pgm"));
        var bytes = File.ReadAllBytes(PathOf("deep.pgm"));
        Assert.StartsWith("P5\n9 5\n65535\n", System.Text.Encoding.ASCII.GetString(bytes, 0, 13));
        Assert.Equal(samples, ImageCodec.Load(PathOf("deep.pgm")).Image16!.Samples);
    }

    [Fact]
    public void CorruptInputFailsWithOneLineNamingTheFileAndWritesNothing()
    {
        var png = File.ReadAllBytes(WritePng("in.png", 3));
        File.WriteAllBytes(PathOf("cut.png"), png[..(png.Length / 2)]);
        File.WriteAllBytes(PathOf("text.png"), "hello, not an image"u8.ToArray());
        foreach (string bad in new[] { "cut.png", "text.png" })
        {
            var (exit, _, stderr) = CliHarness.Run("image", "convert", PathOf(bad), PathOf("out.ppm"));
            Assert.Equal(1, exit);
            Assert.Contains(PathOf(bad), stderr);
            Assert.Single(stderr.Trim().Split('\n'));
            Assert.False(File.Exists(PathOf("out.ppm")));
            Assert.Equal(3, Directory.GetFiles(_dir).Length); // no temporary file left behind either
        }
    }

    [Fact]
    public void UnknownOutputExtensionIsAClearError()
    {
        var (exit, _, stderr) = CliHarness.Run("image", "convert", WritePng("in.png", 3), PathOf("out.gif"));
        Assert.Equal(1, exit);
        Assert.Contains("unsupported output extension", stderr);
    }

    [Fact]
    public void InfoShowsProgressiveJpeg()
    {
        string path = SampleFiles.PathOf("jpeg/go/video-001.progressive.jpeg");
        var (exit, stdout, stderr) = CliHarness.Run("image", "info", path);
        Assert.True(exit == 0, stderr);
        Assert.Matches(@"format\s+jpeg", stdout);
        Assert.Matches(@"width\s+150", stdout);
        Assert.Matches(@"progressive\s+yes", stdout);
        Assert.Matches(@"orientation\s+1", stdout);
        Assert.Matches(@"subsampling\s+4:4:4", stdout);
    }

    [Fact]
    public void InfoJsonShowsInterlacedPng()
    {
        string path = SampleFiles.PathOf("png/generated/video-001-rgb16-adam7.png");
        var (exit, stdout, stderr) = CliHarness.Run("image", "info", path, "--json");
        Assert.True(exit == 0, stderr);
        var root = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal("png", root.GetProperty("format").GetString());
        Assert.Equal((150, 103), (root.GetProperty("width").GetInt32(), root.GetProperty("height").GetInt32()));
        Assert.Equal(3, root.GetProperty("channels").GetInt32());
        Assert.Equal(16, root.GetProperty("bit_depth").GetInt32());
        Assert.True(root.GetProperty("interlaced").GetBoolean());
        Assert.False(root.GetProperty("progressive").GetBoolean());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("subsampling").ValueKind);
    }
}
