using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using FaceParse.Tensors.Kernels;

namespace FaceParse.Cli;

/// <summary>ONNX Runtime's Conv, run by <c>bench/ort/conv.mjs</c> under node with onnxruntime-node (installed into .tools/ort by
/// <c>.ci/install-ort</c>): timings for <c>bench kernels --compare-ort</c> and single runs for the cross-check tests.</summary>
/// <remarks>Needs a checkout (the script is found by walking up from the working directory and from this program's folder)
/// and node on PATH; every failure is an <see cref="InvalidOperationException"/> that says what is missing.</remarks>
internal static class OrtConv
{
    public const string ScriptPath = "bench/ort/conv.mjs";

    /// <summary>The script, or null when no folder above the working directory or this program holds it.</summary>
    public static string? FindScript()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, ScriptPath);
                if (File.Exists(candidate)) return candidate;
            }
        return null;
    }

    /// <summary>Why ONNX Runtime cannot be run here, or null when it can (script, ORT package and node all present).</summary>
    public static string? Unavailable()
    {
        string? script = FindScript();
        if (script is null) return $"{ScriptPath} not found above {Directory.GetCurrentDirectory()} (run from a FaceParse checkout)";
        string ort = OrtDirectory(script);
        if (!File.Exists(Path.Combine(ort, "package.json"))) return $"onnxruntime-node is not installed in {ort} (run: bash .ci/install-ort)";
        try { Invoke(["--version"]); }
        catch (InvalidOperationException e) { return e.Message; }
        return null;
    }

    /// <summary>Times conv(g) in ONNX Runtime on <paramref name="threads"/> intra-op threads: median seconds per Conv. A shape-keeping
    /// conv runs as a chain of 8 in one graph, so ORT's layout reorders and the node binding's per-run cost are spread as in a
    /// network (this favours ORT over our single-call timing, which includes padding the input).</summary>
    public static double MedianSeconds(Conv2dGeometry g, int threads, bool quick)
    {
        var spec = Spec(g);
        bool keepsShape = g.InChannels == g.OutChannels && g.OutHeight == g.InHeight && g.OutWidth == g.InWidth;
        spec["chain"] = keepsShape ? 8 : 1;
        spec["threads"] = threads;
        spec["seconds"] = quick ? 0.01 : 0.25;
        spec["reps"] = quick ? 3 : 11;
        return Result(spec)["median_ms"]!.GetValue<double>() / 1e3;
    }

    /// <summary>y = conv(x, w) + bias computed by ONNX Runtime (one thread).</summary>
    public static float[] Run(Conv2dGeometry g, float[] x, float[] w, float[] bias)
    {
        string prefix = Path.Combine(Path.GetTempPath(), $"faceparse-ort-{Guid.NewGuid():N}");
        try
        {
            File.WriteAllBytes(prefix + ".x", Bytes(x));
            File.WriteAllBytes(prefix + ".w", Bytes(w));
            File.WriteAllBytes(prefix + ".b", Bytes(bias));
            var spec = Spec(g);
            spec["io"] = prefix;
            Result(spec);
            byte[] y = File.ReadAllBytes(prefix + ".y");
            var result = new float[y.Length / sizeof(float)];
            Buffer.BlockCopy(y, 0, result, 0, y.Length);
            return result;
        }
        finally
        {
            foreach (string ext in new[] { ".x", ".w", ".b", ".y" }) File.Delete(prefix + ext);
        }
    }

    /// <summary>"onnxruntime 1.30.0": the installed package's version.</summary>
    public static string EngineName()
    {
        string package = Path.Combine(OrtDirectory(FindScript() ?? throw new InvalidOperationException($"{ScriptPath} not found.")), "package.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(package));
        return $"onnxruntime {doc.RootElement.GetProperty("version").GetString()}";
    }

    // Where the script loads onnxruntime-node from (same rule as the script).
    private static string OrtDirectory(string script) => Path.GetFullPath(Environment.GetEnvironmentVariable("FACEPARSE_ORT_DIR")
        ?? Path.Combine(Path.GetDirectoryName(script)!, "..", "..", ".tools", "ort", "node_modules", "onnxruntime-node"));

    private static JsonObject Spec(Conv2dGeometry g)
    {
        if (g.KernelHeight != g.KernelWidth || g.StrideHeight != g.StrideWidth || g.PadHeight != g.PadWidth || g.DilationHeight != g.DilationWidth)
            throw new ArgumentException($"The ONNX Runtime runner takes square kernels, strides, pads and dilations; got {g}.");
        return new JsonObject
        {
            ["batch"] = g.Batch, ["cin"] = g.InChannels, ["cout"] = g.OutChannels, ["h"] = g.InHeight, ["w"] = g.InWidth,
            ["k"] = g.KernelHeight, ["pad"] = g.PadHeight, ["stride"] = g.StrideHeight, ["dilation"] = g.DilationHeight, ["group"] = g.Groups,
        };
    }

    private static JsonNode Result(JsonObject spec)
    {
        string script = FindScript() ?? throw new InvalidOperationException($"{ScriptPath} not found (run from a FaceParse checkout).");
        string stdout = Invoke([script, spec.ToJsonString()]);
        try { return JsonNode.Parse(stdout.Trim().Split('\n')[^1]) ?? throw new JsonException("empty"); }
        catch (JsonException e) { throw new InvalidOperationException($"{ScriptPath} printed no JSON result: {stdout}", e); }
    }

    // node args -> stdout; exit code ≠ 0 or no node -> InvalidOperationException with node's stderr
    private static string Invoke(IReadOnlyList<string> args)
    {
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) start.ArgumentList.Add(a);
        Process process;
        try { process = Process.Start(start) ?? throw new InvalidOperationException("node did not start."); }
        catch (Win32Exception e) { throw new InvalidOperationException($"node is not on PATH ({e.Message}); ONNX Runtime runs through onnxruntime-node.", e); }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0) throw new InvalidOperationException($"node {string.Join(' ', args.Take(1))} failed (exit {process.ExitCode}): {stderr.Result.Trim()}");
            return stdout;
        }
    }

    private static byte[] Bytes(float[] values)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return bytes;
    }
}
