using System.Diagnostics;
using FaceParse.Detection;
using FaceParse.Imaging;

namespace FaceParse.Tests.Detection;

/// <summary>The detector against human annotation it never saw: on the 800 CelebAMask-HQ training photos, the main (largest)
/// face's eye, nose and mouth-corner landmarks must lie on the labelled eye, nose and mouth regions of the photo's mask.</summary>
/// <remarks>
/// <para>Regions (CelebAMask-HQ ids): eyes l_eye 4 / r_eye 5 (either: some masks swap sides), nose 2, mouth corners u_lip 11,
/// l_lip 12 or inner mouth 10. A landmark counts as on its region when a region pixel lies within
/// <see cref="SlackOfEyeDistance"/> × the inter-ocular distance of it (≈ 18 px on these 512² photos, about half an eye's
/// width): MTCNN puts mouth corners where the lips end, typically outside the lip mask (exactly inside: 36 % of left and
/// 18 % of right corners; median distance 0.01 and 0.04 eye distances, 99th percentile 0.15), so an exact test would
/// reject correct detections. Exactly inside their region: eyes 95.8 %, nose 99.9 %.</para>
/// <para>A landmark can only be checked against a region the mask shows. A photo whose mask has no pixel of a region (closed
/// eyes without an eye label) cannot be checked for that landmark. Nor can a hidden eye: when the eye labels form a single
/// blob (the other eye behind hair, a hand or the nose of a profile), the eye landmark nearer that blob is checked and the
/// other is listed as hidden. Checking it against the visible eye, as this test did before, failed every such photo
/// whatever the detector did: the two eyes are an eye distance apart. Unchecked landmarks are listed, not counted as
/// failures.</para>
/// <para>Photos are detected on a 256² copy (MaxSide 256 halves them), a quarter of the pixels of the original: 800 photos
/// take ≈ 33 s of CPU on this machine (the same rate as at 512², which takes 81 s).</para>
/// </remarks>
public sealed class LandmarkMaskTests
{
    public const float SlackOfEyeDistance = 0.15f;

    /// <summary>The bar. Measured 792/800 = 99.0 %. The 8 exceptions are mouth corners off the labelled lips: mouths
    /// covered by a hand, a microphone, a strand of hair or a moustache, and three-quarter views whose far corner lands on
    /// the cheek. Before hidden eyes were told apart (see the remarks), four photos whose far eye is hidden failed on that
    /// eye, and the rate read 788/800.</summary>
    public const double MinimumPassRate = 0.99;

    /// <summary>Eye-label blobs smaller than this (pixels of the 512² mask) are specks, not an eye.</summary>
    public const int MinimumEyeBlob = 8;
    private static readonly byte[][] Regions = [[4, 5], [4, 5], [2], [10, 11, 12], [10, 11, 12]];

    [Fact]
    public void Main_face_landmarks_fall_in_the_labelled_regions_on_the_800_training_photos()
    {
        string root = SharedData.PathOf("celebamask-hq-mini1000");
        var ids = File.ReadAllLines(Path.Combine(root, "split_train800.txt")).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        Assert.Equal(800, ids.Length);
        var detector = new MtcnnDetector(MtcnnFixtures.Detector.Networks, new FaceDetectorOptions { MaxSide = 256 });
        var failures = new List<string>();
        var unchecked_ = new List<string>();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        foreach (string id in ids)
        {
            var photo = ImageCodec.Decode(File.ReadAllBytes(Path.Combine(root, "images", id + ".jpg"))).Image;
            var mask = ImageCodec.Decode(File.ReadAllBytes(Path.Combine(root, "masks", id + ".png")));
            var (problem, skipped) = Check(detector.Detect(photo), mask.ToLabelMap(), mask.Info.Width, mask.Info.Height, photo.Width);
            if (problem is not null) failures.Add($"{id}: {problem}");
            if (skipped is not null) unchecked_.Add($"{id}: {skipped}");
        }
        double rate = 1 - failures.Count / (double)ids.Length;
        string report = $"{ids.Length - failures.Count}/{ids.Length} photos pass ({rate:P2}) in {watch.Elapsed.TotalSeconds:F1} s " +
            $"({(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds:F1} s CPU).\nFailures:\n  " + string.Join("\n  ", failures) +
            "\nLandmarks not checkable (region absent from the mask, or the eye hidden):\n  " + string.Join("\n  ", unchecked_);
        TestContext.Current.SendDiagnosticMessage(report);
        File.WriteAllText(Path.Combine(Path.GetTempPath(), "faceparse-landmark-check.txt"), report);
        Assert.True(rate >= MinimumPassRate, report);
    }

    [Fact]
    public void A_hidden_eye_is_listed_not_checked_and_a_shown_eye_still_fails_when_missed()
    {
        // 64² mask: eye blobs (5×3) at (20, 24) and (44, 24), nose at (32, 36), lips along y = 48; landmarks on them
        var face = new DetectedFace(0, 0, 64, 64, 1, [new(20, 24), new(44, 24), new(32, 36), new(24, 48), new(40, 48)]);
        Assert.Equal((null, null), Check([face], Mask(leftEye: true, rightEye: true), 64, 64, 64));

        var rightOff = face with { Landmarks = [new(20, 24), new(44, 40), new(32, 36), new(24, 48), new(40, 48)] };
        Assert.Equal("off its region: right_eye (44,40)", Check([rightOff], Mask(leftEye: true, rightEye: true), 64, 64, 64).Problem);

        // the right eye hidden: its landmark is not checked, whatever it says
        Assert.Equal((null, "right_eye (hidden)"), Check([rightOff], Mask(leftEye: true, rightEye: false), 64, 64, 64));

        // one eye shown, and the landmark nearer it is off it: a failure, and the other is the hidden one
        var leftOff = face with { Landmarks = [new(20, 34), new(44, 24), new(32, 36), new(24, 48), new(40, 48)] };
        var (problem, skipped) = Check([leftOff], Mask(leftEye: true, rightEye: false), 64, 64, 64);
        Assert.Equal("off its region: left_eye (20,34)", problem);
        Assert.Equal("right_eye (hidden)", skipped);
    }

    private static byte[] Mask(bool leftEye, bool rightEye)
    {
        var m = new byte[64 * 64];
        void Fill(int x0, int y0, int w, int h, byte label) { for (int y = y0; y < y0 + h; y++) for (int x = x0; x < x0 + w; x++) m[y * 64 + x] = label; }
        if (leftEye) Fill(18, 23, 5, 3, 4);
        if (rightEye) Fill(42, 23, 5, 3, 5);
        Fill(30, 34, 5, 5, 2);
        Fill(24, 47, 17, 3, 11);
        return m;
    }

    // (what failed, which landmarks had no region to check); both null when the largest face's landmarks are all on their regions
    internal static (string? Problem, string? Skipped) Check(IReadOnlyList<DetectedFace> faces, byte[] labels, int width, int height, int photoWidth)
    {
        if (faces.Count == 0) return ("no face", null);
        var face = faces.MaxBy(f => f.Area)!;
        float toMask = width / (float)photoWidth;
        float eyes = MathF.Sqrt(MathF.Pow(face.RightEye.X - face.LeftEye.X, 2) + MathF.Pow(face.RightEye.Y - face.LeftEye.Y, 2)) * toMask;
        float radius = Math.Max(1f, SlackOfEyeDistance * eyes);
        int hiddenEye = HiddenEye(labels, width, height, face.LeftEye, face.RightEye, toMask);
        var missed = new List<string>();
        var skipped = new List<string>();
        for (int m = 0; m < 5; m++)
        {
            var p = face.Landmarks[m];
            string name = DetectedFace.LandmarkNames[m];
            if (!labels.Any(l => Array.IndexOf(Regions[m], l) >= 0)) skipped.Add(name);
            else if (m == hiddenEye) skipped.Add(name + " (hidden)");
            else if (!Near(labels, width, height, p.X * toMask, p.Y * toMask, Regions[m], radius)) missed.Add($"{name} ({p.X:F0},{p.Y:F0})");
        }
        return (missed.Count == 0 ? null : "off its region: " + string.Join(", ", missed), skipped.Count == 0 ? null : string.Join(", ", skipped));
    }

    // When the eye labels (4, 5) form exactly one blob of ≥ MinimumEyeBlob pixels (4-connected), the index (0 left, 1 right) of
    // the eye landmark farther from its centroid: that eye is hidden. Otherwise −1 (both eyes shown, or none).
    private static int HiddenEye(byte[] labels, int width, int height, FacePoint left, FacePoint right, float toMask)
    {
        var seen = new bool[labels.Length];
        var stack = new Stack<int>();
        int blobs = 0;
        double cx = 0, cy = 0;
        for (int start = 0; start < labels.Length; start++)
        {
            if (seen[start] || !IsEye(labels[start])) continue;
            long count = 0, sx = 0, sy = 0;
            seen[start] = true;
            stack.Push(start);
            while (stack.Count > 0)
            {
                int i = stack.Pop(), x = i % width, y = i / width;
                count++; sx += x; sy += y;
                foreach (int j in (int[])[x > 0 ? i - 1 : -1, x < width - 1 ? i + 1 : -1, y > 0 ? i - width : -1, y < height - 1 ? i + width : -1])
                    if (j >= 0 && !seen[j] && IsEye(labels[j])) { seen[j] = true; stack.Push(j); }
            }
            if (count < MinimumEyeBlob) continue;
            blobs++;
            (cx, cy) = (sx / (double)count, sy / (double)count);
        }
        if (blobs != 1) return -1;
        double dl = Math.Pow(left.X * toMask - cx, 2) + Math.Pow(left.Y * toMask - cy, 2);
        double dr = Math.Pow(right.X * toMask - cx, 2) + Math.Pow(right.Y * toMask - cy, 2);
        return dl <= dr ? 1 : 0;
    }

    private static bool IsEye(byte label) => label is 4 or 5;

    private static bool Near(byte[] labels, int width, int height, float x, float y, byte[] classes, float radius)
    {
        int r = (int)MathF.Ceiling(radius);
        for (int dy = -r; dy <= r; dy++)
            for (int dx = -r; dx <= r; dx++)
            {
                int px = (int)MathF.Round(x) + dx, py = (int)MathF.Round(y) + dy;
                if (dx * dx + dy * dy > radius * radius || px < 0 || py < 0 || px >= width || py >= height) continue;
                if (Array.IndexOf(classes, labels[py * width + px]) >= 0) return true;
            }
        return false;
    }
}
