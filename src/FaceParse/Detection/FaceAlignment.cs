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

    /// <summary>facer's standard five points (<c>_standard_face_pts</c>: 196, 226 · 316, 226 · 256, 286 · 220, 360.4 ·
    /// 292, 360.4 in a 512-pixel frame), the alignment SegFace's LaPa and Helen models were trained with
    /// (get_face_align_matrix, target_face_scale 1, then the tanh warp).</summary>
    public static FaceTemplate Facer { get; } = new([
        196.0 / 512, 226.0 / 512, 316.0 / 512, 226.0 / 512, 256.0 / 512, 286.0 / 512, 220.0 / 512, 360.4 / 512, 292.0 / 512, 360.4 / 512]);

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

    /// <summary>The network input of a face: the aligned frame seen through <paramref name="warp"/> (input pixel (x, y) shows
    /// aligned pixel (<see cref="TanhWarp.AlignedOfInputPixel"/>(x), …(y)); bilinear, black outside the photo). Without a
    /// warp (f = 0) exactly <see cref="Warp(Image, AffineTransform, int)"/>.</summary>
    public static Image Warp(Image photo, AffineTransform photoToAligned, int size, TanhWarp warp)
    {
        ArgumentNullException.ThrowIfNull(warp);
        if (warp.Factor == 0) return Warp(photo, photoToAligned, size);
        var alignedToPhoto = photoToAligned.Invert();
        var axis = new double[size]; // separable in the aligned frame; the rotation comes after
        for (int i = 0; i < size; i++) axis[i] = warp.AlignedOfInputPixel(i, size);
        return Imaging.Geometry.Warp.Map(photo.ToChannels(3), size, size, (x, y) => alignedToPhoto.Apply(axis[x], axis[y]), WarpInterpolation.Bilinear);
    }
}
