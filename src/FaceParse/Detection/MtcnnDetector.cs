using FaceParse.Imaging;
using FaceParse.Inference;
using FaceParse.Models.Mtcnn;
using FaceParse.Nn;
using FaceParse.Tensors;

namespace FaceParse.Detection;

/// <summary>Face detection with five landmarks: the MTCNN cascade (Zhang et al. 2016) as facenet-pytorch runs it, with
/// zero-padded crops at the photo border.</summary>
/// <remarks>
/// <para>Stage 1: an image pyramid (scales 12/MinFaceSize·f^i while the shorter side stays ≥ 12 px, each level
/// ⌊side·scale + 1⌋ px, area-resized, normalised (x − 127.5)/128) through PNet; windows with face probability ≥ 0.6 become
/// boxes ⌊(2·cell + 1)/scale⌋ … ⌊(2·cell + 12)/scale⌋; NMS (IoU 0.5) per scale, then NMS (IoU 0.7) over all scales; box
/// regression (offsets × width) and squaring. Stage 2: 24×24 crops through RNet, probability &gt; 0.7, NMS 0.7, regression
/// (offsets × (width + 1)), squaring. Stage 3: 48×48 crops through ONet, probability &gt; 0.7; landmarks from the crop box,
/// regression, then NMS 0.7 by intersection over the smaller area. Crops span the box truncated to integers, minus one
/// pixel at the top-left (facenet's 1-based convention), and are zero outside the photo.</para>
/// <para>Thread safety: no mutable state; concurrent <see cref="Detect"/> calls are fine.</para>
/// </remarks>
public sealed class MtcnnDetector
{
    /// <summary>Registered name of the shipped weights (<c>models/mtcnn.safetensors</c>).</summary>
    public const string DefaultModelName = "mtcnn";

    public MtcnnDetector(MtcnnNetworks networks, FaceDetectorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(networks);
        options ??= FaceDetectorOptions.Default;
        options.Validate();
        Networks = networks;
        Options = options;
    }

    /// <summary>The detector of a safetensors file holding <c>pnet.*</c>, <c>rnet.*</c>, <c>onet.*</c> (a path or a registered
    /// name, see <see cref="ModelRegistry"/>; default <c>mtcnn</c>).</summary>
    /// <exception cref="FileNotFoundException">No such file or name.</exception>
    /// <exception cref="InvalidDataException">Not a safetensors file, or keys/shapes that do not match MTCNN.</exception>
    public static MtcnnDetector Load(string? reference = null, FaceDetectorOptions? options = null)
    {
        string path = ModelRegistry.ResolvePath(reference ?? DefaultModelName);
        using var longLived = TensorScope.Suspend(); // the weights outlive any scope the caller has open
        Dictionary<string, Tensor> state;
        try { state = StateDicts.Load(path); }
        catch (InvalidDataException e) { throw new InvalidDataException($"{path}: not MTCNN weights ({e.Message})", e); }
        try { return new MtcnnDetector(StateDicts.Build(state, vb => new MtcnnNetworks(vb)), options); }
        catch (KeyNotFoundException e) { throw new InvalidDataException($"{path}: not MTCNN weights ({e.Message})", e); }
    }

    public MtcnnNetworks Networks { get; }
    public FaceDetectorOptions Options { get; }

    /// <summary>The factor by which a photo of this size is shrunk before detection (1 when its longer side ≤ MaxSide).</summary>
    public int ShrinkFactor(int width, int height) => Math.Max(1, (Math.Max(width, height) + Options.MaxSide - 1) / Options.MaxSide);

    /// <summary>Every face in <paramref name="photo"/> (any channel count: gray is replicated, alpha ignored), best score
    /// first, in the photo's pixel coordinates. An empty list when there is none.</summary>
    public IReadOnlyList<DetectedFace> Detect(Image photo)
    {
        ArgumentNullException.ThrowIfNull(photo);
        var rgb = photo.ToChannels(3);
        int k = ShrinkFactor(rgb.Width, rgb.Height);
        if (k > 1) rgb = Shrink(rgb, k);
        using var noGrad = GradMode.NoGrad();
        // No TensorScope: candidate batches vary in size from photo to photo, so pooled buffers (kept by exact length) would
        // rarely be reused and would pile up to the pool's capacity; plain garbage is cheaper here.
        var boxes = ProposeBoxes(rgb);
        if (boxes.Count > 0) boxes = Refine(rgb, boxes);
        var faces = boxes.Count > 0 ? Output(rgb, boxes) : [];
        return faces.Select(f => f.Scaled(k)).ToList();
    }

    /// <summary>The pyramid scales for an image whose shorter side is <paramref name="minSide"/>.</summary>
    public IReadOnlyList<double> Scales(int minSide)
    {
        var scales = new List<double>();
        double m = 12.0 / Options.MinFaceSize, minl = minSide * m, scale = m;
        while (minl >= 12)
        {
            scales.Add(scale);
            scale *= Options.ScaleFactor;
            minl *= Options.ScaleFactor;
        }
        return scales;
    }

    // Stage 1: PNet over the pyramid → squared candidate boxes
    private List<Candidate> ProposeBoxes(Image rgb)
    {
        int w = rgb.Width, h = rgb.Height;
        var all = new List<Candidate>();
        foreach (double scale in Scales(Math.Min(w, h)))
        {
            int hs = (int)(h * scale + 1), ws = (int)(w * scale + 1);
            var input = Tensor.Empty(1, 3, hs, ws);
            AreaCrop.Sample(rgb, 0, 0, w, h, ws, hs, input.Span);
            var (offsets, probabilities) = Networks.PNet.Forward(input); // [1, 4, H', W'], [1, 2, H', W']
            var found = Windows(offsets.Contiguous().ToArray(), probabilities.Contiguous().ToArray(), offsets.Dim(2), offsets.Dim(3), (float)scale);
            foreach (int i in Union(found, 0.5f)) all.Add(found[i]);
        }
        var kept = Union(all, 0.7f).Select(i => all[i]).ToList();
        for (int i = 0; i < kept.Count; i++)
        {
            var c = kept[i];
            float bw = c.X2 - c.X1, bh = c.Y2 - c.Y1;
            kept[i] = Truncate(Square(new Candidate(c.X1 + c.R0 * bw, c.Y1 + c.R1 * bh, c.X2 + c.R2 * bw, c.Y2 + c.R3 * bh, c.Score)));
        }
        return kept;
    }

    // PNet outputs of one scale → the windows with face probability ≥ threshold, row-major
    private List<Candidate> Windows(float[] offsets, float[] probabilities, int rows, int cols, float scale)
    {
        int plane = rows * cols;
        var found = new List<Candidate>();
        for (int y = 0; y < rows; y++)
            for (int x = 0; x < cols; x++)
            {
                int i = y * cols + x;
                float p = probabilities[plane + i];
                if (!(p >= Options.PNetThreshold)) continue;
                found.Add(new Candidate(MathF.Floor((2f * x + 1) / scale), MathF.Floor((2f * y + 1) / scale),
                    MathF.Floor((2f * x + 12) / scale), MathF.Floor((2f * y + 12) / scale), p)
                {
                    R0 = offsets[i], R1 = offsets[plane + i], R2 = offsets[2 * plane + i], R3 = offsets[3 * plane + i],
                });
            }
        return found;
    }

    // Stage 2: RNet on 24×24 crops → rescored, regressed, squared boxes
    private List<Candidate> Refine(Image rgb, List<Candidate> boxes)
    {
        var passed = new List<Candidate>();
        Run(rgb, boxes, RNet.InputSize, batch =>
        {
            var (offsets, probabilities) = Networks.RNet.Forward(batch);
            return [offsets.Contiguous().ToArray(), probabilities.Contiguous().ToArray()];
        }, (index, outputs, row) =>
        {
            float p = outputs[1][row * 2 + 1];
            if (!(p > Options.RNetThreshold)) return;
            var c = boxes[index];
            passed.Add(new Candidate(c.X1, c.Y1, c.X2, c.Y2, p)
            {
                R0 = outputs[0][row * 4], R1 = outputs[0][row * 4 + 1], R2 = outputs[0][row * 4 + 2], R3 = outputs[0][row * 4 + 3],
            });
        });
        return Union(passed, 0.7f).Select(i => Truncate(Square(Regress(passed[i])))).ToList();
    }

    // Stage 3: ONet on 48×48 crops → final boxes, scores and landmarks
    private List<DetectedFace> Output(Image rgb, List<Candidate> boxes)
    {
        var passed = new List<Candidate>();
        var points = new List<FacePoint[]>();
        Run(rgb, boxes, ONet.InputSize, batch =>
        {
            var (offsets, landmarks, probabilities) = Networks.ONet.Forward(batch);
            return [offsets.Contiguous().ToArray(), landmarks.Contiguous().ToArray(), probabilities.Contiguous().ToArray()];
        }, (index, outputs, row) =>
        {
            float p = outputs[2][row * 2 + 1];
            if (!(p > Options.ONetThreshold)) return;
            var c = boxes[index];
            float bw = c.X2 - c.X1 + 1, bh = c.Y2 - c.Y1 + 1;
            var marks = new FacePoint[5];
            for (int m = 0; m < 5; m++)
                marks[m] = new FacePoint(bw * outputs[1][row * 10 + m] + c.X1 - 1, bh * outputs[1][row * 10 + 5 + m] + c.Y1 - 1);
            points.Add(marks);
            passed.Add(Regress(new Candidate(c.X1, c.Y1, c.X2, c.Y2, p)
            {
                R0 = outputs[0][row * 4], R1 = outputs[0][row * 4 + 1], R2 = outputs[0][row * 4 + 2], R3 = outputs[0][row * 4 + 3],
            }));
        });
        return Nms.Min(passed, 0.7f).Select(i => new DetectedFace(passed[i].X1, passed[i].Y1, passed[i].X2, passed[i].Y2, passed[i].Score, points[i])).ToList();
    }

    // crops of every box (size × size, zero-padded), in batches through net; visit(boxIndex, outputs, rowInBatch) in box order
    private void Run(Image rgb, List<Candidate> boxes, int size, Func<Tensor, float[][]> net, Action<int, float[][], int> visit)
    {
        int per = 3 * size * size;
        for (int start = 0; start < boxes.Count; start += Options.BatchSize)
        {
            int n = Math.Min(Options.BatchSize, boxes.Count - start);
            var batch = Tensor.Empty(n, 3, size, size);
            var span = batch.Span;
            for (int b = 0; b < n; b++)
            {
                var c = boxes[start + b];
                int x = (int)MathF.Truncate(c.X1) - 1, y = (int)MathF.Truncate(c.Y1) - 1;
                int ex = (int)MathF.Truncate(c.X2), ey = (int)MathF.Truncate(c.Y2);
                if (Options.Facenet2019)
                    (x, y, ex, ey) = (Math.Max(x, 0), Math.Max(y, 0), Math.Min(ex, rgb.Width), Math.Min(ey, rgb.Height));
                var crop = span.Slice(b * per, per);
                if (ex > x && ey > y) AreaCrop.Sample(rgb, x, y, ex - x, ey - y, size, size, crop);
                else crop.Fill(-AreaCrop.Mean * AreaCrop.Scale); // an empty box: a black crop, which no stage accepts as a face
            }
            var outputs = net(batch);
            for (int b = 0; b < n; b++) visit(start + b, outputs, b);
        }
    }

    private List<int> Union(List<Candidate> boxes, float threshold) =>
        Options.Facenet2019 ? Nms.UnionPlusOne(boxes, threshold) : Nms.Union(boxes, threshold);

    // the 2019 facenet-pytorch truncates the boxes (np.fix) before RNet and ONet; the current one only truncates the crops
    private Candidate Truncate(Candidate c) => !Options.Facenet2019 ? c :
        new Candidate(MathF.Truncate(c.X1), MathF.Truncate(c.Y1), MathF.Truncate(c.X2), MathF.Truncate(c.Y2), c.Score);

    // facenet's bbreg: offsets scaled by the inclusive width/height (w + 1)
    private static Candidate Regress(Candidate c)
    {
        float w = c.X2 - c.X1 + 1, h = c.Y2 - c.Y1 + 1;
        return new Candidate(c.X1 + c.R0 * w, c.Y1 + c.R1 * h, c.X2 + c.R2 * w, c.Y2 + c.R3 * h, c.Score);
    }

    // facenet's rerec: the square of side max(w, h) with the same centre
    private static Candidate Square(Candidate c)
    {
        float w = c.X2 - c.X1, h = c.Y2 - c.Y1, l = MathF.Max(w, h);
        float x1 = c.X1 + w * 0.5f - l * 0.5f, y1 = c.Y1 + h * 0.5f - l * 0.5f;
        return new Candidate(x1, y1, x1 + l, y1 + l, c.Score);
    }

    // k×k block averages (rounded) of an RGB image; a partial last block averages the pixels it has
    private static Image Shrink(Image rgb, int k)
    {
        int w = (rgb.Width + k - 1) / k, h = (rgb.Height + k - 1) / k;
        var result = new Image(w, h, 3);
        var sums = new long[w * 3];
        var counts = new int[w];
        for (int y = 0; y < h; y++)
        {
            Array.Clear(sums);
            Array.Clear(counts);
            for (int sy = y * k; sy < Math.Min(rgb.Height, (y + 1) * k); sy++)
            {
                var row = rgb.Row(sy);
                for (int sx = 0; sx < rgb.Width; sx++)
                {
                    int x = sx / k;
                    counts[x]++;
                    for (int c = 0; c < 3; c++) sums[x * 3 + c] += row[sx * 3 + c];
                }
            }
            var outRow = result.Row(y);
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++) outRow[x * 3 + c] = (byte)((sums[x * 3 + c] + counts[x] / 2) / counts[x]);
        }
        return result;
    }
}
