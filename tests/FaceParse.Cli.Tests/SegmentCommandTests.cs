using FaceParse.Imaging;
using FaceParse.Training;
using FaceParse.Tests.Inference;

namespace FaceParse.Cli.Tests;

[Collection("cli")]
public sealed class SegmentCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("faceparse-segment-").FullName;
    private readonly string _model;
    private readonly string _photos;
    private readonly string _out;

    public SegmentCommandTests()
    {
        _model = TinyModels.Save(_dir);
        _photos = Directory.CreateDirectory(Path.Combine(_dir, "photos")).FullName;
        _out = Path.Combine(_dir, "out");
        ImageCodec.Save(Path.Combine(_photos, "alice.png"), TinyModels.Photo(36, 28, seed: 1));
        ImageCodec.Save(Path.Combine(_photos, "bob.jpg"), TinyModels.Photo(30, 30, seed: 2));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void AFolderWithOneCorruptFileSegmentsTheOthersAndExitsOne()
    {
        File.WriteAllBytes(Path.Combine(_photos, "broken.jpg"), [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]);
        var (exit, stdout, stderr) = CliHarness.Run("segment", _photos, "-o", _out, "--model", _model);
        Assert.Equal(1, exit);
        Assert.Contains("broken.jpg", stderr);
        Assert.DoesNotContain("alice", stderr.Split('\n').Where(l => l.Contains("error")));
        Assert.Contains("segmented 2 of 3 image(s)", stdout);
        Assert.Equal(["alice.labels.png", "alice.overlay.png", "bob.labels.png", "bob.overlay.png"],
            Directory.GetFiles(_out).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var labels = ImageCodec.Load(Path.Combine(_out, "alice.labels.png"));
        Assert.Equal((36, 28), (labels.Image.Width, labels.Image.Height));
        Assert.NotNull(labels.Palette);
    }

    [Fact]
    public void EveryEmitKindIsWrittenWithItsName()
    {
        string photo = Path.Combine(_photos, "alice.png");
        var (exit, stdout, stderr) = CliHarness.Run("segment", photo, "-o", _out, "--model", _model, "--emit", "labels,overlay,masks,logits");
        Assert.True(exit == 0, stderr);
        Assert.Contains("segmented 1 of 1", stdout);
        var ids = ImageCodec.Load(Path.Combine(_out, "alice.labels.png")).ToLabelMap();
        var labelSet = FaceParse.Labels.LabelSets.LaPa;
        var expectedMasks = ids.Distinct().Order().Select(id => labelSet[id].Name + ".png").Order(StringComparer.Ordinal);
        Assert.Equal(expectedMasks, Directory.GetFiles(Path.Combine(_out, "alice.masks")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (string mask in Directory.GetFiles(Path.Combine(_out, "alice.masks")))
        {
            var image = ImageCodec.Load(mask).Image;
            Assert.Equal(1, image.Channels);
            byte id = (byte)labelSet.IdOf(Path.GetFileNameWithoutExtension(mask));
            for (int i = 0; i < ids.Length; i++) Assert.Equal(ids[i] == id ? 255 : 0, image.Pixels[i]);
        }
        Assert.True(File.Exists(Path.Combine(_out, "alice.overlay.png")));
        string npy = Path.Combine(_out, "alice.logits.npy");
        Assert.Contains($"'shape': ({labelSet.Count}, 28, 36)", System.Text.Encoding.ASCII.GetString(File.ReadAllBytes(npy), 0, 128));
        Assert.Equal([labelSet.Count, 28, 36], Npy.Read(npy).Shape);
        Assert.Empty(Directory.GetFiles(_out, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void OutSizeWxHAndGlobsAreHonoured()
    {
        var (exit, _, stderr) = CliHarness.Run("segment", Path.Combine(_photos, "*.jpg"), "-o", _out, "--model", _model, "--out-size", "40x24", "--size", "48");
        Assert.True(exit == 0, stderr);
        Assert.Equal(["bob.labels.png", "bob.overlay.png"], Directory.GetFiles(_out).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (string file in Directory.GetFiles(_out))
        {
            var image = ImageCodec.Load(file).Image;
            Assert.Equal((40, 24), (image.Width, image.Height));
        }
    }

    [Fact]
    public void FaceBoxesAndBadOptionsAreChecked()
    {
        string photo = Path.Combine(_photos, "alice.png");
        var (exit, _, stderr) = CliHarness.Run("segment", photo, "-o", _out, "--model", _model, "--face-box", "8,8,12,12", "--emit", "labels");
        Assert.True(exit == 0, stderr);
        var ids = ImageCodec.Load(Path.Combine(_out, "alice.labels.png")).ToLabelMap();
        Assert.Equal(0, ids[0]); // the grown box (5..23 × 2..23) does not reach the corner
        Assert.Equal(0, ids[^1]);

        (exit, _, stderr) = CliHarness.Run("segment", photo, "-o", _out, "--model", _model, "--emit", "labels,colours");
        Assert.Equal(1, exit);
        Assert.Contains("colours", stderr);

        (exit, _, stderr) = CliHarness.Run("segment", Path.Combine(_photos, "missing.png"), "-o", _out, "--model", _model);
        Assert.Equal(1, exit);
        Assert.Contains("missing.png", stderr);

        (exit, _, stderr) = CliHarness.Run("segment", photo, "-o", _out, "--model", Path.Combine(_dir, "nope"));
        Assert.Equal(1, exit);
        Assert.Contains("Available names", stderr);
    }
}
