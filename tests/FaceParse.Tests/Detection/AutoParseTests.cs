using FaceParse.Evaluation;
using FaceParse.Imaging;
using FaceParse.Inference;

namespace FaceParse.Tests.Detection;

/// <summary>Auto mode (detect, align, parse, map back) against whole-frame parsing on validation faces placed in larger
/// photos (<see cref="WildSet"/>), scored against the transformed human masks.</summary>
public sealed class AutoParseTests
{
    [Fact]
    public void Auto_mode_parses_faces_in_larger_photos_far_better_than_the_whole_frame()
    {
        string root = SharedData.PathOf("celebamask-hq-mini1000");
        var ids = File.ReadAllLines(Path.Combine(root, "split_val100.txt")).Select(l => l.Trim()).Where(l => l.Length > 0).Take(3).ToArray();
        var auto = FaceParser.Load("default");
        var whole = FaceParser.Load("default", new FaceParserOptions { Faces = FaceMode.Whole });
        int k = auto.Labels.Count;
        var autoMatrix = new ConfusionMatrix(k);
        var wholeMatrix = new ConfusionMatrix(k);
        for (int i = 0; i < ids.Length; i++)
        {
            var crop = ImageCodec.Decode(File.ReadAllBytes(Path.Combine(root, "images", ids[i] + ".jpg"))).Image;
            var mask = ImageCodec.Decode(File.ReadAllBytes(Path.Combine(root, "masks", ids[i] + ".png"))).ToLabelMap();
            var (photo, labels, _, _) = WildSet.Make(crop, mask, seed: i);
            var result = auto.Parse(photo);
            Assert.Single(result.Faces);
            Assert.Empty(result.Warnings);
            var face = result.Faces[0];
            Assert.Equal(face.Region.Width * face.Region.Height, face.LabelMap.Length);
            autoMatrix.Add(labels, result.LabelMap);
            wholeMatrix.Add(labels, whole.Parse(photo).LabelMap);
        }
        double autoF1 = SegmentationScores.Compute(autoMatrix).MeanF1, wholeF1 = SegmentationScores.Compute(wholeMatrix).MeanF1;
        TestContext.Current.SendDiagnosticMessage($"mean F1 on 3 wild val photos: auto {autoF1:F4}, whole {wholeF1:F4}");
        Assert.True(autoF1 > 0.45 && autoF1 > wholeF1 + 0.2, $"auto {autoF1:F4} vs whole {wholeF1:F4}");
    }

    [Fact]
    public void Another_engine_runs_the_aligned_frame_and_its_logits_are_warped_back()
    {
        string root = SharedData.PathOf("celebamask-hq-mini1000");
        string id = File.ReadAllLines(Path.Combine(root, "split_val100.txt")).First(l => l.Trim().Length > 0).Trim();
        var crop = ImageCodec.Decode(File.ReadAllBytes(Path.Combine(root, "images", id + ".jpg"))).Image;
        var mask = ImageCodec.Decode(File.ReadAllBytes(Path.Combine(root, "masks", id + ".png"))).ToLabelMap();
        var (photo, _, _, _) = WildSet.Make(crop, mask, seed: 5);
        var engine = new CountingEngine();
        var managed = FaceParser.Load("default").Parse(photo);
        var viaEngine = FaceParser.Load("default", new FaceParserOptions { Engine = engine }).Parse(photo);
        Assert.Equal(1, engine.Calls); // one aligned face, one network run by the engine
        Assert.Equal(0, engine.CallsRecordingGradients); // inference builds no graph (it once did: 1 GB per 512² photo)
        Assert.Equal((256, 256), engine.LastOutput);
        Assert.Single(viaEngine.Faces);
        // Decoding at the input size and warping back bilinearly agrees with the continuous decoder on nearly every pixel.
        int same = managed.LabelMap.Zip(viaEngine.LabelMap).Count(p => p.First == p.Second);
        double agreement = same / (double)managed.LabelMap.Length;
        Assert.True(agreement > 0.97, $"labels agree on {agreement:P2} of the pixels");
        Assert.NotEqual(managed.LabelMap, viaEngine.LabelMap); // the engine's logits were used, not the managed ones
    }

    private sealed class CountingEngine : IInferenceEngine
    {
        public int Calls { get; private set; }
        public int CallsRecordingGradients { get; private set; }
        public (int, int) LastOutput { get; private set; }
        public string Name => "counting (managed underneath)";

        public FaceParse.Tensors.Tensor Forward(SegmentationModel model, FaceParse.Tensors.Tensor rgb, int outH, int outW)
        {
            Calls++;
            if (FaceParse.Tensors.GradMode.Enabled) CallsRecordingGradients++;
            LastOutput = (outH, outW);
            return model.Forward(rgb, outH, outW);
        }
    }

    [Fact]
    public void No_face_warns_and_parses_the_whole_photo()
    {
        var photo = new Image(200, 150, 3);
        Array.Fill(photo.Pixels, (byte)60);
        var parser = FaceParser.Load("default");
        var result = parser.Parse(photo);
        Assert.Empty(result.Faces);
        Assert.Contains(result.Warnings, w => w.Contains("No face found"));
        var whole = FaceParser.Load("default", new FaceParserOptions { Faces = FaceMode.Whole }).Parse(photo);
        Assert.Equal(whole.LabelMap, result.LabelMap);
    }
}
