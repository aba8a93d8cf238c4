using Microsoft.Extensions.Configuration;

namespace FaceParse.Server;

/// <summary>What a server loads and how much it accepts. The limits bound memory: at most
/// (<see cref="MaxConcurrency"/> + <see cref="MaxQueue"/>) uploads of <see cref="MaxUploadMb"/> are held at once, each decoding to at
/// most <see cref="MaxPixels"/> pixels and parsed to at most <see cref="MaxOutPixels"/> output pixels.</summary>
public sealed record ServerOptions
{
    /// <summary>Model references (registered names such as "default", or .safetensors paths); the first is the default model.</summary>
    public IReadOnlyList<string> Models { get; init; } = ["default"];

    /// <summary>Largest accepted request body in MiB (raw image or whole multipart form); bigger bodies get 413.</summary>
    public int MaxUploadMb { get; init; } = 20;

    /// <summary>Parses that run at once (each also uses the tensor library's own threads).</summary>
    public int MaxConcurrency { get; init; } = Math.Max(1, Environment.ProcessorCount / 4);

    /// <summary>Requests admitted beyond the running ones (reading their upload or waiting for a parse slot); beyond that the server
    /// answers 503 with Retry-After before reading the body.</summary>
    public int MaxQueue { get; init; } = 16;

    /// <summary>Largest decoded photo (width × height); bigger headers are refused before any pixel buffer is allocated.</summary>
    public long MaxPixels { get; init; } = 16_000_000;

    /// <summary>Largest label map (out width × out height). A photo bigger than this is parsed at the largest size of its aspect
    /// ratio within the limit unless out_size says otherwise.</summary>
    public long MaxOutPixels { get; init; } = 4_194_304;

    /// <summary>Largest logits answer (classes × out pixels × 4 bytes), in MiB.</summary>
    public int MaxLogitsMb { get; init; } = 64;

    /// <summary>Largest network input side a request may ask for with size=.</summary>
    public int MaxInputSize { get; init; } = 1024;

    /// <summary>Seconds a client is told to wait (Retry-After) when the queue is full.</summary>
    public int RetryAfterSeconds { get; init; } = 2;

    public long MaxUploadBytes => (long)MaxUploadMb << 20;

    /// <exception cref="ArgumentException">A limit is out of range or no model is named.</exception>
    public void Validate()
    {
        if (Models.Count == 0 || Models.Any(string.IsNullOrWhiteSpace)) throw new ArgumentException("--model: name at least one model");
        Check(MaxUploadMb, 1, 2047, "--max-upload-mb");
        Check(MaxConcurrency, 1, 256, "--max-concurrency");
        Check(MaxQueue, 0, 10_000, "--max-queue");
        Check(MaxPixels, 1, 100_000_000, "--max-pixels");
        Check(MaxOutPixels, 1, 64_000_000, "--max-out-pixels");
        Check(MaxLogitsMb, 1, 2047, "max logits MiB");
        Check(MaxInputSize, 8, 4096, "max input size");
        Check(RetryAfterSeconds, 1, 3600, "retry-after seconds");
    }

    /// <summary>Options from the "FaceParse" configuration section (e.g. FaceParse__MaxUploadMb=8 in the environment,
    /// FaceParse:Models:0=default on the command line); missing keys keep their defaults.</summary>
    public static ServerOptions FromConfiguration(IConfiguration configuration)
    {
        var section = configuration.GetSection("FaceParse");
        var defaults = new ServerOptions();
        var models = section.GetSection("Models").GetChildren().Select(c => c.Value).OfType<string>().ToList();
        return new ServerOptions
        {
            Models = models.Count > 0 ? models : defaults.Models,
            MaxUploadMb = section.GetValue(nameof(MaxUploadMb), defaults.MaxUploadMb),
            MaxConcurrency = section.GetValue(nameof(MaxConcurrency), defaults.MaxConcurrency),
            MaxQueue = section.GetValue(nameof(MaxQueue), defaults.MaxQueue),
            MaxPixels = section.GetValue(nameof(MaxPixels), defaults.MaxPixels),
            MaxOutPixels = section.GetValue(nameof(MaxOutPixels), defaults.MaxOutPixels),
            MaxLogitsMb = section.GetValue(nameof(MaxLogitsMb), defaults.MaxLogitsMb),
            MaxInputSize = section.GetValue(nameof(MaxInputSize), defaults.MaxInputSize),
        };
    }

    private static void Check(long value, long min, long max, string name)
    {
        if (value < min || value > max) throw new ArgumentException($"{name}: {value} is outside {min}..{max}");
    }
}
