namespace FaceParse.Detection;

/// <summary>A candidate box during detection: corners, score and the regression offsets the network gave it.</summary>
internal struct Candidate
{
    public float X1, Y1, X2, Y2, Score;
    public float R0, R1, R2, R3;

    public Candidate(float x1, float y1, float x2, float y2, float score)
    {
        (X1, Y1, X2, Y2, Score) = (x1, y1, x2, y2, score);
        R0 = R1 = R2 = R3 = 0;
    }
}

/// <summary>Greedy non-maximum suppression in the two forms MTCNN uses.</summary>
internal static class Nms
{
    /// <summary>torchvision.ops.nms: boxes by decreasing score; a box is dropped when its IoU with a kept box exceeds
    /// <paramref name="threshold"/>; areas are (x2 − x1)(y2 − y1) (no +1). Returns the kept indices, best first.</summary>
    public static List<int> Union(IReadOnlyList<Candidate> boxes, float threshold) => Run(boxes, threshold, byMin: false, plusOne: false);

    /// <summary>IoU suppression with +1 (inclusive) areas, as the 2019 facenet-pytorch's numpy NMS did.</summary>
    public static List<int> UnionPlusOne(IReadOnlyList<Candidate> boxes, float threshold) => Run(boxes, threshold, byMin: false, plusOne: true);

    /// <summary>facenet-pytorch's nms_numpy with method 'Min': overlap = intersection / the smaller area, areas and
    /// intersections with +1 (inclusive pixel counts); a box is dropped when the overlap exceeds <paramref name="threshold"/>.</summary>
    public static List<int> Min(IReadOnlyList<Candidate> boxes, float threshold) => Run(boxes, threshold, byMin: true, plusOne: true);

    private static List<int> Run(IReadOnlyList<Candidate> boxes, float threshold, bool byMin, bool plusOne)
    {
        int n = boxes.Count;
        var order = Enumerable.Range(0, n).ToArray();
        // descending score; ties keep the earlier box first (stable)
        Array.Sort(order, (a, b) => boxes[b].Score != boxes[a].Score ? boxes[b].Score.CompareTo(boxes[a].Score) : a.CompareTo(b));
        float one = plusOne ? 1f : 0f;
        var suppressed = new bool[n];
        var keep = new List<int>();
        for (int oi = 0; oi < n; oi++)
        {
            int i = order[oi];
            if (suppressed[i]) continue;
            keep.Add(i);
            var a = boxes[i];
            float areaA = (a.X2 - a.X1 + one) * (a.Y2 - a.Y1 + one);
            for (int oj = oi + 1; oj < n; oj++)
            {
                int j = order[oj];
                if (suppressed[j]) continue;
                var b = boxes[j];
                float w = MathF.Max(0f, MathF.Min(a.X2, b.X2) - MathF.Max(a.X1, b.X1) + one);
                float h = MathF.Max(0f, MathF.Min(a.Y2, b.Y2) - MathF.Max(a.Y1, b.Y1) + one);
                float inter = w * h;
                float areaB = (b.X2 - b.X1 + one) * (b.Y2 - b.Y1 + one);
                float overlap = byMin ? inter / MathF.Min(areaA, areaB) : inter / (areaA + areaB - inter);
                if (overlap > threshold) suppressed[j] = true;
            }
        }
        return keep;
    }
}
