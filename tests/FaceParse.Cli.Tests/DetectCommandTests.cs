using System.Text.Json;
using FaceParse.Imaging;
using FaceParse.Tests;
using FaceParse.Tests.Detection;

namespace FaceParse.Cli.Tests;

[Collection("cli")]
public sealed class DetectCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("faceparse-detect-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Prints_box_score_and_landmarks_and_draws_them()
    {
        string photo = MtcnnFixtures.PathOf("test_images/kate_siegel.jpg");
        var (exit, stdout, stderr) = CliHarness.Run("detect", photo, "-o", _dir);
        Assert.True(exit == 0, stderr);
        Assert.Contains("kate_siegel.jpg (1125x1612): 1 face(s)", stdout);
        Assert.Matches(@"face 1: box [\d.]+,[\d.]+,[\d.]+,[\d.]+ \([\d.]+x[\d.]+\) score 0\.99\d\d left_eye \(", stdout);
        var drawn = ImageCodec.Load(Path.Combine(_dir, "kate_siegel.boxes.png")).Image;
        Assert.Equal((1125, 1612), (drawn.Width, drawn.Height));
    }

    [Fact]
    public void Json_lists_files_and_faces_and_a_faceless_photo_says_so()
    {
        string photo = MtcnnFixtures.PathOf("test_images/shea_whigham.jpg");
        string flat = Path.Combine(_dir, "flat.png");
        var gray = new Image(300, 200, 1);
        Array.Fill(gray.Pixels, (byte)90);
        ImageCodec.Save(flat, gray);
        var (exit, stdout, stderr) = CliHarness.Run("detect", photo, flat, "--json");
        Assert.True(exit == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var files = doc.RootElement;
        Assert.Equal(2, files.GetArrayLength());
        var face = Assert.Single(files[0].GetProperty("faces").EnumerateArray());
        Assert.Equal(4, face.GetProperty("box").GetArrayLength());
        Assert.True(face.GetProperty("score").GetDouble() > 0.99);
        Assert.Equal(2, face.GetProperty("landmarks").GetProperty("mouth_right").GetArrayLength());
        Assert.Equal(0, files[1].GetProperty("faces").GetArrayLength());
        var (_, text, _) = CliHarness.Run("detect", flat);
        Assert.Contains("flat.png (300x200): no face found", text);
    }

    [Fact]
    public void Bad_arguments_and_unreadable_files_are_reported()
    {
        string broken = Path.Combine(_dir, "broken.jpg");
        File.WriteAllBytes(broken, [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]);
        var (exit, _, stderr) = CliHarness.Run("detect", broken);
        Assert.Equal(1, exit);
        Assert.Contains("broken.jpg", stderr);
        (exit, _, stderr) = CliHarness.Run("detect", broken, "-o", _dir, "--emit", "labels");
        Assert.Equal(1, exit);
        Assert.Contains("--emit", stderr);
        (exit, _, stderr) = CliHarness.Run("detect", broken, "--min-face", "3");
        Assert.Equal(1, exit);
        Assert.Contains("MinFaceSize", stderr);
    }
}
