using FaceParse.Inference;

namespace FaceParse.Detection;

/// <summary>A point in photo pixel coordinates (x right, y down; pixel centres at integers).</summary>
public readonly record struct FacePoint(float X, float Y);

/// <summary>One face found by the detector, in the photo's own pixel coordinates.</summary>
/// <param name="X1">Left edge of the box.</param>
/// <param name="Y1">Top edge of the box.</param>
/// <param name="X2">Right edge of the box.</param>
/// <param name="Y2">Bottom edge of the box.</param>
/// <param name="Score">ONet's face probability (0.7..1 with the default thresholds).</param>
/// <param name="Landmarks">Five points: left eye, right eye, nose tip, left mouth corner, right mouth corner, "left" as seen in
/// the image (the subject's right eye is <see cref="LeftEye"/>).</param>
public sealed record DetectedFace(float X1, float Y1, float X2, float Y2, float Score, IReadOnlyList<FacePoint> Landmarks)
{
    public float Width => X2 - X1;
    public float Height => Y2 - Y1;
    public float Area => Math.Max(0, Width) * Math.Max(0, Height);
    public FacePoint LeftEye => Landmarks[0];
    public FacePoint RightEye => Landmarks[1];
    public FacePoint Nose => Landmarks[2];
    public FacePoint MouthLeft => Landmarks[3];
    public FacePoint MouthRight => Landmarks[4];

    /// <summary>Names of the five landmarks, in order.</summary>
    public static IReadOnlyList<string> LandmarkNames { get; } = ["left_eye", "right_eye", "nose", "mouth_left", "mouth_right"];

    /// <summary>The box rounded outwards to whole pixels (may extend past the photo).</summary>
    public FaceBox ToFaceBox()
    {
        int x0 = (int)MathF.Floor(X1), y0 = (int)MathF.Floor(Y1);
        return new FaceBox(x0, y0, Math.Max(1, (int)MathF.Ceiling(X2) - x0), Math.Max(1, (int)MathF.Ceiling(Y2) - y0));
    }

    /// <summary>The face with every coordinate multiplied by <paramref name="factor"/> (from a downscaled copy to the photo).</summary>
    public DetectedFace Scaled(float factor) => factor == 1f ? this :
        new(X1 * factor, Y1 * factor, X2 * factor, Y2 * factor, Score, Landmarks.Select(p => new FacePoint(p.X * factor, p.Y * factor)).ToArray());
}
