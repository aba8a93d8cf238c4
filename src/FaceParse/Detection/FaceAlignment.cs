using FaceParse.Imaging;
using FaceParse.Imaging.Geometry;

namespace FaceParse.Detection;

/// <summary>Where a model has learnt faces sit: the mean positions of the five MTCNN landmarks (left eye, right eye, nose,
/// left and right mouth corner as seen in the image) in the model's input frame, as fractions of its side (x, y pairs).</summary>
/// <remarks>Measured, not guessed: <c>faceparse detect TRAIN_PHOTOS --template</c> averages the largest face's landmarks over
/// the training photos (every model trained on the same crops shares the template).</remarks>
public sealed record FaceTemplate(IReadOnlyList<double> Points)
{
    /// <summary>CelebAMask-HQ crops as in ../shared/data/celebamask-hq-mini1000 (800 training photos, 512², detected at full
    /// size): the template of models trained on them.</summary>
    public static FaceTemplate CelebAMaskHq { get; } = new([
        0.3783, 0.4750, 0.6253, 0.4755, 0.4994, 0.6287, 0.3904, 0.7346, 0.6118, 0.7350]);

    /// <summary>The similarity transform (rotation, uniform scale, translation) from photo pixels to the pixels of a size×size
    /// aligned frame that puts <paramref name="face"/>'s landmarks closest (least squares) to the template.</summary>
    public AffineTransform PhotoToAligned(DetectedFace face, int size)
    {
        ArgumentNullException.ThrowIfNull(face);
        if (Points.Count != 10) throw new InvalidDataException($"A face template has 10 numbers (5 x, y pairs), got {Points.Count}.");
        var from = new (double X, double Y)[5];
        var to = new (double X, double Y)[5];
        for (int m = 0; m < 5; m++)
        {
            from[m] = (face.Landmarks[m].X, face.Landmarks[m].Y);
            to[m] = (Points[2 * m] * size, Points[2 * m + 1] * size);
        }
        return AffineTransform.EstimateSimilarity(from, to);
    }

    /// <summary>The aligned size×size crop of the photo (bilinear, black outside the photo).</summary>
    public static Image Warp(Image photo, AffineTransform photoToAligned, int size) =>
        Imaging.Geometry.Warp.Affine(photo.ToChannels(3), photoToAligned, size, size, WarpInterpolation.Bilinear);
}
