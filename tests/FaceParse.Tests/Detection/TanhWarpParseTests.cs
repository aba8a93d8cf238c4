using FaceParse.Detection;
using FaceParse.Imaging;
using FaceParse.Inference;
using FaceParse.Tensors;

namespace FaceParse.Tests.Detection;

/// <summary>Auto mode for a model whose description asks for facer's tanh warp (SegFace's LaPa and Helen models): the
/// network sees the aligned face through facer's make_tanh_warp_grid and its logits return to the photo through the
/// inverse grid. Checked with an engine that records its input and answers with its own grid coordinates, against facer's
/// formulas written out here, on docs/sample/astronaut.png.</summary>
public sealed class TanhWarpParseTests
{
    private const double F = 0.8;

    [Fact]
    public void The_network_sees_facers_warped_face_and_its_logits_come_back_through_the_inverse()
    {
        var photo = Sample();
        var plain = ModelRegistry.Load("default");
        var model = SegmentationModel.Create(plain.Description with { FaceWarp = F }, plain.Module.StateDict());
        var engine = new CoordinateEngine();
        var result = new FaceParser(model, new FaceParserOptions { Engine = engine, KeepLogits = true }).Parse(photo);
        var face = Assert.Single(result.Faces).Face;
        int size = model.InputSize, width = photo.Width, height = photo.Height, plane = width * height;
        var toAligned = (model.Description.FaceTemplate is { } t ? new FaceTemplate(t) : FaceTemplate.CelebAMaskHq).PhotoToAligned(face, size);
        var toPhoto = toAligned.Invert();

        // 1. input pixel (x, y) shows the photo at facer's inverse-warped aligned position (bilinear, black outside)
        var input = engine.Input!;
        double worst = 0;
        for (int y = 0; y < size; y += 3)
            for (int x = 0; x < size; x += 3)
            {
                var (px, py) = toPhoto.Apply(FacerInverse(x, size), FacerInverse(y, size));
                for (int c = 0; c < 3; c++)
                    worst = Math.Max(worst, Math.Abs(input[(c * size + y) * size + x] * 255 - Bilinear(photo, px, py, c)));
            }
        Assert.True(worst <= 1.0, $"input differs from facer's warp by up to {worst:F2} levels");
        Assert.True(input.Count(v => v == 0) < input.Length / 4); // the margin shows the photo, not black

        // 2. every photo pixel within the input's reach gets the logits at facer's forward-warped position: the engine
        // answers with its grid coordinates, so the kept logits are those coordinates (bilinear, border-clamped)
        var logits = result.Logits!.ToArray();
        double reach = Math.Atanh(1 - 0.001) * F + 1 - F, edge = 1 - 1.0 / size;
        int claimed = 0;
        double worstGrid = 0;
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                var (u, v) = toAligned.Apply(x, y);
                double ax = (2 * u + 1) / size - 1, ay = (2 * v + 1) / size - 1;
                bool inside = Math.Abs(ax) <= reach && Math.Abs(ay) <= reach;
                int p = y * width + x;
                if (!inside)
                {
                    Assert.Equal(float.NegativeInfinity, logits[plane + p]);
                    continue;
                }
                claimed++;
                worstGrid = Math.Max(worstGrid, Math.Abs(logits[p] - Math.Clamp(FacerForward(ax), -edge, edge)));
                worstGrid = Math.Max(worstGrid, Math.Abs(logits[plane + p] - Math.Clamp(FacerForward(ay), -edge, edge)));
            }
        Assert.True(worstGrid < 1e-4, $"logit grid off by {worstGrid:E2}");
        Assert.True(claimed > plane / 2, $"only {claimed} of {plane} pixels within reach"); // the warp reaches far beyond the face
    }

    [Fact]
    public void Factor_zero_is_the_plain_alignment()
    {
        var photo = Sample();
        var plain = ModelRegistry.Load("default");
        var zero = SegmentationModel.Create(plain.Description with { FaceWarp = 0 }, plain.Module.StateDict());
        var a = new FaceParser(plain).Parse(photo);
        var b = new FaceParser(zero).Parse(photo);
        Assert.Equal(a.LabelMap, b.LabelMap);
        Assert.Equal(a.Faces[0].Region, b.Faces[0].Region);
        var warped = new FaceParser(SegmentationModel.Create(plain.Description with { FaceWarp = F }, plain.Module.StateDict())).Parse(photo);
        Assert.True(warped.Faces[0].Region.Width > a.Faces[0].Region.Width); // the warped frame reaches further
    }

    // facer's tanh_warp_transform on one normalised coordinate
    private static double FacerForward(double c) =>
        c > 1 - F ? Math.Tanh((c - 1 + F) / F) * F + 1 - F : c < -1 + F ? Math.Tanh((c + 1 - F) / F) * F - 1 + F : c;

    // facer's inverted_tanh_warp_transform for input pixel i (centre i + 0.5 over [0, size]) → aligned pixel coordinate
    private static double FacerInverse(int i, int size)
    {
        double u = (i + 0.5) / size * 2 - 1, c = u;
        if (u > 1 - F) c = Math.Atanh(Math.Clamp((u - 1 + F) / F, -1 + 0.001, 1 - 0.001)) * F + 1 - F;
        if (u < -1 + F) c = Math.Atanh(Math.Clamp((u + 1 - F) / F, -1 + 0.001, 1 - 0.001)) * F - 1 + F;
        return (c + 1) / 2 * size - 0.5;
    }

    private static double Bilinear(Image image, double x, double y, int c)
    {
        int x0 = (int)Math.Floor(x), y0 = (int)Math.Floor(y);
        double fx = x - x0, fy = y - y0;
        double At(int xi, int yi) => xi < 0 || yi < 0 || xi >= image.Width || yi >= image.Height ? 0 : image.Pixels[(yi * image.Width + xi) * 3 + c];
        return (At(x0, y0) * (1 - fx) + At(x0 + 1, y0) * fx) * (1 - fy) + (At(x0, y0 + 1) * (1 - fx) + At(x0 + 1, y0 + 1) * fx) * fy;
    }

    private static Image Sample()
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "FaceParse.slnx"))) root = Path.GetDirectoryName(root)!;
        return ImageCodec.Load(Path.Combine(root, "docs", "sample", "astronaut.png")).Image.ToChannels(3);
    }

    // Records the input; answers logits whose channel 0 is each output pixel's x grid coordinate, channel 1 its y, the rest −50.
    private sealed class CoordinateEngine : IInferenceEngine
    {
        public float[]? Input { get; private set; }
        public string Name => "coordinates";

        public Tensor Forward(SegmentationModel model, Tensor rgb, int outH, int outW)
        {
            Input = rgb.Contiguous().ToArray();
            int k = model.Labels.Count;
            var logits = new float[k * outH * outW];
            Array.Fill(logits, -50f);
            for (int y = 0; y < outH; y++)
                for (int x = 0; x < outW; x++)
                {
                    logits[y * outW + x] = (2f * x + 1) / outW - 1;
                    logits[(outH + y) * outW + x] = (2f * y + 1) / outH - 1;
                }
            return Tensor.Unpooled(logits, 1, k, outH, outW);
        }
    }
}
