namespace FaceParse.Inference;

/// <summary>How a <see cref="FaceParser"/> runs its model. Immutable; one instance may be shared by many parsers.</summary>
public sealed record FaceParserOptions
{
    public static readonly FaceParserOptions Default = new();

    /// <summary>Side of the square the photo (or face crop) is resized to before the network; null = the model's own
    /// <see cref="SegmentationModel.InputSize"/>. FP-LIIF accepts any size; sizes other than the training size trade accuracy
    /// for speed.</summary>
    public int? InputSize { get; init; }

    /// <summary>How far <see cref="FaceParser.ParseFaces"/> grows each face box before cropping (default
    /// <see cref="FaceMargin.Default"/>: 25 % of the box size left, right and below, 50 % above for hair).</summary>
    public FaceMargin FaceMargin { get; init; } = FaceMargin.Default;

    /// <summary>What <see cref="FaceParser.Parse"/> does with a photo: detect and align faces (<see cref="FaceMode.Auto"/>, the
    /// default) or parse the whole frame (<see cref="FaceMode.Whole"/>).</summary>
    public FaceMode Faces { get; init; } = FaceMode.Auto;

    /// <summary>The face detector of <see cref="FaceMode.Auto"/>; null = the shipped MTCNN (<c>models/mtcnn.safetensors</c>).</summary>
    public FaceParse.Detection.MtcnnDetector? Detector { get; init; }

    /// <summary>Keep the softmax probabilities (K×H×W floats) in <see cref="ParseResult.Probabilities"/>.</summary>
    public bool KeepProbabilities { get; init; }

    /// <summary>Keep the raw logits (K×H×W floats) in <see cref="ParseResult.Logits"/>.</summary>
    public bool KeepLogits { get; init; }

    /// <summary>Most bytes one parse may be estimated to need (<see cref="FaceParser.EstimateBytes"/>); a bigger parse throws
    /// <see cref="MemoryBudgetException"/> before the network runs. Default <see cref="DefaultMemoryBudget"/>.</summary>
    public long MemoryBudget { get; init; } = DefaultMemoryBudget;

    /// <summary>Half the memory this process may use (the GC's view: physical memory, a container limit or
    /// DOTNET_GCHeapHardLimit, whichever is least), at least 256 MiB.</summary>
    public static long DefaultMemoryBudget => Math.Max(256L << 20, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 2);

    /// <summary>Runs the network instead of the managed engine (e.g. ONNX Runtime from FaceParse.OnnxRuntime); null = managed.</summary>
    public IInferenceEngine? Engine { get; init; }

    internal void Validate()
    {
        if (MemoryBudget < 1) throw new ArgumentOutOfRangeException(nameof(MemoryBudget), $"Memory budget must be positive, got {MemoryBudget}.");
        if (InputSize is < 8 or > 4096) throw new ArgumentOutOfRangeException(nameof(InputSize), $"Input size must be 8..4096, got {InputSize}.");
        FaceMargin.Validate();
    }
}

/// <summary>Extra context added around a face box, as fractions of the box's width (left, right) and height (top, bottom).</summary>
public readonly record struct FaceMargin(float Left, float Top, float Right, float Bottom)
{
    /// <summary>25 % of the box size on the left, right and bottom, 50 % on top: face detectors' boxes cut off the hair and
    /// chin/neck, and the network was trained on crops with the whole head in view.</summary>
    public static FaceMargin Default { get; } = new(0.25f, 0.5f, 0.25f, 0.25f);

    /// <summary>The same fraction on every side.</summary>
    public static FaceMargin Uniform(float fraction) => new(fraction, fraction, fraction, fraction);

    internal void Validate()
    {
        foreach (float m in (float[])[Left, Top, Right, Bottom])
            if (!float.IsFinite(m) || m < 0 || m > 10) throw new ArgumentOutOfRangeException(nameof(FaceMargin), $"Face margins must be 0..10, got {this}.");
    }
}

/// <summary>A face's bounding box in pixels of the full photo (e.g. from a face detector).</summary>
public readonly record struct FaceBox(int X, int Y, int Width, int Height)
{
    /// <summary>The box grown by <paramref name="margin"/> (rounded outwards) and clamped to a frame of the given size.</summary>
    /// <exception cref="ArgumentException">The box has no positive size or lies wholly outside the frame.</exception>
    public FaceBox Expand(FaceMargin margin, int frameWidth, int frameHeight)
    {
        if (Width < 1 || Height < 1) throw new ArgumentException($"Face box {this} must have a positive size.");
        int x0 = Math.Max(0, (int)MathF.Floor(X - margin.Left * Width));
        int y0 = Math.Max(0, (int)MathF.Floor(Y - margin.Top * Height));
        int x1 = Math.Min(frameWidth, (int)MathF.Ceiling(X + Width + margin.Right * Width));
        int y1 = Math.Min(frameHeight, (int)MathF.Ceiling(Y + Height + margin.Bottom * Height));
        if (x1 <= x0 || y1 <= y0) throw new ArgumentException($"Face box {this} lies outside the {frameWidth}x{frameHeight} photo.");
        return new FaceBox(x0, y0, x1 - x0, y1 - y0);
    }

    /// <summary>Parses "x,y,w,h" (integers).</summary>
    /// <exception cref="FormatException">Not four integers separated by commas.</exception>
    public static FaceBox Parse(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != 4 || !parts.All(p => int.TryParse(p, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out _)))
            throw new FormatException($"Face box '{text}' must be x,y,w,h in pixels, e.g. 40,30,120,150.");
        var v = parts.Select(p => int.Parse(p, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return new FaceBox(v[0], v[1], v[2], v[3]);
    }
}
