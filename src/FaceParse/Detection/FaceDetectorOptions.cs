namespace FaceParse.Detection;

/// <summary>Settings of the MTCNN pipeline; the defaults are facenet-pytorch's <c>MTCNN()</c> defaults.</summary>
public sealed record FaceDetectorOptions
{
    public static FaceDetectorOptions Default { get; } = new();

    /// <summary>Smallest face side looked for, in pixels of the image the networks see (20).</summary>
    public float MinFaceSize { get; init; } = 20;

    /// <summary>Ratio between successive pyramid scales (0.709 ≈ 1/√2).</summary>
    public float ScaleFactor { get; init; } = 0.709f;

    /// <summary>Face-probability thresholds of PNet (≥), RNet (&gt;) and ONet (&gt;).</summary>
    public float PNetThreshold { get; init; } = 0.6f;
    public float RNetThreshold { get; init; } = 0.7f;
    public float ONetThreshold { get; init; } = 0.7f;

    /// <summary>Photos whose longer side exceeds this are detected on a copy shrunk by the integer factor
    /// k = ⌈longer side / MaxSide⌉ (k×k block averages); coordinates are multiplied back by k. Faces smaller than
    /// k·<see cref="MinFaceSize"/> pixels are then not found. 2048 by default, which bounds the detector's memory
    /// (≈ 0.3 GB) for any photo size.</summary>
    public int MaxSide { get; init; } = 2048;

    /// <summary>Crops per RNet/ONet batch (bounds memory when PNet proposes thousands of windows).</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>Reproduces the facenet-pytorch of 2019 that wrote the reference crops (test_images_aligned): boxes truncated
    /// to integers before RNet and ONet, NMS overlaps with +1 pixel areas, and crops clipped to the photo and stretched
    /// instead of zero-padded. Only for comparisons with those outputs; the clipping moves the landmarks of border faces.</summary>
    public bool Facenet2019 { get; init; }

    internal void Validate()
    {
        if (!(MinFaceSize >= 12 && MinFaceSize <= 100_000)) throw new ArgumentOutOfRangeException(nameof(MinFaceSize), $"MinFaceSize must be 12..100000, got {MinFaceSize}.");
        if (!(ScaleFactor > 0.1f && ScaleFactor < 0.95f)) throw new ArgumentOutOfRangeException(nameof(ScaleFactor), $"ScaleFactor must be in (0.1, 0.95), got {ScaleFactor}.");
        foreach (float t in (float[])[PNetThreshold, RNetThreshold, ONetThreshold])
            if (!(t >= 0f && t < 1f)) throw new ArgumentOutOfRangeException(nameof(PNetThreshold), $"Thresholds must be in [0, 1), got {t}.");
        if (MaxSide < 48) throw new ArgumentOutOfRangeException(nameof(MaxSide), $"MaxSide must be at least 48, got {MaxSide}.");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), $"BatchSize must be positive, got {BatchSize}.");
    }
}
