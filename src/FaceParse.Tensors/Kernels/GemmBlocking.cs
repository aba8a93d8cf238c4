using System.Text.Json;
using FaceParse.Tensors.Runtime;

namespace FaceParse.Tensors.Kernels;

/// <summary>The GEMM's cache blocking: K block (a packed B micro-panel is KBlock × nr floats, meant for L1), M block in
/// micro-tiles (a packed A block is MBlockTiles·mr × KBlock floats, meant for L2) and N block (a packed B block is
/// KBlock × NBlock floats, shared by the threads, meant for L3). Any positive values give the same products up to float
/// rounding order; the speed depends on the CPU's caches.</summary>
/// <remarks>
/// <para>At start-up <see cref="Current"/> is <see cref="Default"/>, unless a tuning file written on this machine by
/// <c>faceparse bench tune</c> names this CPU model and SIMD level: then its choice, measured here, is used. The file is
/// <c>faceparse/gemm-blocking.json</c> under the user's local application data folder (on Linux ~/.local/share), or the
/// path in <c>FACEPARSE_GEMM_BLOCKING</c>; <c>FACEPARSE_GEMM_BLOCKING=default</c> ignores any file. A file that is
/// missing, unreadable, malformed, out of range or from another CPU is ignored (<see cref="Source"/> says why).</para>
/// </remarks>
public readonly record struct GemmBlocking(int KBlock, int MBlockTiles, int NBlock)
{
    /// <summary>The built-in choice: 256 × (16 tiles) × 2048.</summary>
    public static GemmBlocking Default { get; } = new(256, 16, 2048);

    private static GemmBlocking _current = Load(out _source);
    private static string _source;

    /// <summary>The blocking the GEMM uses now (tests and the tuner set it; it must be <see cref="Valid"/>).</summary>
    public static GemmBlocking Current
    {
        get => _current;
        set => _current = value.Valid ? value : throw new ArgumentException($"Invalid GEMM blocking {value}: each must be in range (K 8..4096, M tiles 1..256, N 16..65536).", nameof(value));
    }

    /// <summary>Where <see cref="Current"/> came from at start-up: "default", "default (…why a file was not used)", or "tuned (path)".</summary>
    public static string Source => _source;

    /// <summary>Whether every value is in the range the kernels accept.</summary>
    public bool Valid => KBlock is >= 8 and <= 4096 && MBlockTiles is >= 1 and <= 256 && NBlock is >= 16 and <= 65536;

    /// <summary>The tuning file's path: FACEPARSE_GEMM_BLOCKING, else faceparse/gemm-blocking.json in local application data;
    /// null when neither exists (no home folder).</summary>
    public static string? TuningFilePath()
    {
        string? overridden = Environment.GetEnvironmentVariable("FACEPARSE_GEMM_BLOCKING");
        if (!string.IsNullOrEmpty(overridden) && overridden != "default") return overridden;
        string folder = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
        return string.IsNullOrEmpty(folder) ? null : Path.Combine(folder, "faceparse", "gemm-blocking.json");
    }

    /// <summary>The blocking a tuning file gives for this CPU model and SIMD level, or null with the reason.</summary>
    public static GemmBlocking? Read(string path, out string reason)
    {
        try
        {
            if (!File.Exists(path)) { reason = "no tuning file"; return null; }
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = doc.RootElement;
            string cpu = root.GetProperty("cpu").GetString() ?? "", simd = root.GetProperty("simd").GetString() ?? "";
            if (cpu != CpuFeatures.ModelName || simd != CpuFeatures.Detected.ToString())
            {
                reason = $"tuning file {path} is for {cpu} / {simd}, this is {CpuFeatures.ModelName} / {CpuFeatures.Detected}";
                return null;
            }
            var blocking = new GemmBlocking(root.GetProperty("k_block").GetInt32(), root.GetProperty("m_block_tiles").GetInt32(), root.GetProperty("n_block").GetInt32());
            if (!blocking.Valid) { reason = $"tuning file {path} has an out-of-range blocking {blocking}"; return null; }
            reason = $"tuned ({path})";
            return blocking;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            reason = $"tuning file {path} unreadable: {e.Message}";
            return null;
        }
    }

    private static GemmBlocking Load(out string source)
    {
        if (Environment.GetEnvironmentVariable("FACEPARSE_GEMM_BLOCKING") == "default") { source = "default (FACEPARSE_GEMM_BLOCKING=default)"; return Default; }
        string? path = TuningFilePath();
        if (path is null) { source = "default (no local application data folder)"; return Default; }
        var tuned = Read(path, out string reason);
        source = tuned is null ? $"default ({reason})" : reason;
        return tuned ?? Default;
    }
}
