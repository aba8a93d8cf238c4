using System.Diagnostics;
using System.Text.Json;
using FaceParse.Tensors.Kernels;
using FaceParse.Tensors.Runtime;

namespace FaceParse.Benchmarks.Kernels;

/// <summary>One blocking's speed in the tuning pass: GFLOP/s as the geometric mean over the tuning shapes.</summary>
public sealed record GemmTuningRow(GemmBlocking Blocking, double Gflops);

/// <summary>What a tuning pass measured and chose.</summary>
public sealed record GemmTuningResult(GemmBlocking Chosen, double ChosenGflops, double DefaultGflops, int Threads,
    IReadOnlyList<GemmTuningRow> Screened, IReadOnlyList<GemmTuningRow> Final, string? WrittenTo);

/// <summary>The short tuning pass behind <c>faceparse bench tune</c>: times the GEMM under a grid of blockings on this
/// machine and stores the winner where <see cref="GemmBlocking"/> looks for it at start-up.</summary>
/// <remarks>
/// <para>Rule, fixed in advance: (1) screen every candidate once (the best of two runs per shape); (2) re-time the three
/// best and the default, interleaved, five rounds (three when quick), and take each one's median; (3) choose the best
/// median, but keep the default unless it is at least 3 % slower than that (a smaller gain is noise on a shared machine).
/// Shapes: a square 1024³ GEMM, a 3×3-convolution-shaped one (M 64, N 16384, K 576) and a pixel-MLP-shaped one (M 4096,
/// N 256, K 256, as FP-LIIF's decoder); quick: 192³ and 32 × 2048 × 144.
/// Candidates: K block 128, 192, 256, 384, 512 × M block 4, 8, 16, 32, 64 micro-tiles × N block 1024, 2048, 4096 (quick:
/// 2 × 2 × 1). The pass runs at <see cref="Parallelism.Threads"/> and takes ≈ 10 s on a 2-core machine.</para>
/// </remarks>
public static class GemmTuner
{
    /// <summary>Runs the pass and, when <paramref name="outPath"/> is set, writes the choice there (atomically).</summary>
    public static GemmTuningResult Run(bool quick, string? outPath, Action<string>? progress = null)
    {
        var saved = GemmBlocking.Current;
        try
        {
            var shapes = quick ? new[] { (192, 192, 192), (32, 2048, 144) } : new[] { (1024, 1024, 1024), (64, 16384, 576), (4096, 256, 256) };
            var buffers = shapes.Select(s => (A: Fill(s.Item1 * s.Item3, 1), B: Fill(s.Item3 * s.Item2, 2), C: new float[s.Item1 * s.Item2])).ToArray();
            double Score(GemmBlocking b, int runs)
            {
                GemmBlocking.Current = b;
                double logSum = 0;
                for (int i = 0; i < shapes.Length; i++)
                {
                    var (m, n, k) = shapes[i];
                    var (a, bb, c) = buffers[i];
                    double best = double.MaxValue;
                    for (int r = 0; r < runs; r++)
                    {
                        long t0 = Stopwatch.GetTimestamp();
                        Gemm.Multiply(a, bb, m, n, k, false, false, false, c);
                        best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalSeconds);
                    }
                    logSum += Math.Log(2.0 * m * n * k / best / 1e9);
                }
                return Math.Exp(logSum / shapes.Length);
            }
            Score(GemmBlocking.Default, 2); // warm-up: JIT, workspaces, page faults
            int[] ks = quick ? [128, 256] : [128, 192, 256, 384, 512], ms = quick ? [8, 16] : [4, 8, 16, 32, 64], ns = quick ? [2048] : [1024, 2048, 4096];
            var screened = new List<GemmTuningRow>();
            foreach (int kb in ks)
                foreach (int mb in ms)
                    foreach (int nb in ns)
                    {
                        var b = new GemmBlocking(kb, mb, nb);
                        screened.Add(new GemmTuningRow(b, Score(b, 2)));
                    }
            progress?.Invoke($"screened {screened.Count} blockings");
            var finalists = screened.OrderByDescending(r => r.Gflops).Select(r => r.Blocking).Where(b => b != GemmBlocking.Default).Take(3)
                .Prepend(GemmBlocking.Default).ToArray();
            var samples = finalists.ToDictionary(b => b, _ => new List<double>());
            for (int round = 0; round < (quick ? 3 : 5); round++)
                foreach (var b in finalists) samples[b].Add(Score(b, 2));
            var final = finalists.Select(b => new GemmTuningRow(b, Median(samples[b]))).OrderByDescending(r => r.Gflops).ToList();
            double defaultGflops = final.First(r => r.Blocking == GemmBlocking.Default).Gflops;
            var best = final[0];
            var chosen = best.Gflops >= 1.03 * defaultGflops ? best : new GemmTuningRow(GemmBlocking.Default, defaultGflops);
            if (outPath is not null) Write(outPath, chosen, defaultGflops);
            return new GemmTuningResult(chosen.Blocking, chosen.Gflops, defaultGflops, Parallelism.Threads, screened, final, outPath);
        }
        finally
        {
            GemmBlocking.Current = saved; // the process keeps what it started with; the file applies from the next start
        }
    }

    private static void Write(string path, GemmTuningRow chosen, double defaultGflops)
    {
        var json = new Dictionary<string, object>
        {
            ["cpu"] = CpuFeatures.ModelName,
            ["simd"] = CpuFeatures.Detected.ToString(),
            ["threads"] = Parallelism.Threads,
            ["k_block"] = chosen.Blocking.KBlock,
            ["m_block_tiles"] = chosen.Blocking.MBlockTiles,
            ["n_block"] = chosen.Blocking.NBlock,
            ["gflops"] = Math.Round(chosen.Gflops, 2),
            ["default_gflops"] = Math.Round(defaultGflops, 2),
            ["date"] = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture),
        };
        string temp = path + ".tmp";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            File.WriteAllText(temp, JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw new IOException($"Could not store the GEMM blocking in {path}: {e.Message} Any previous choice there is unchanged.", e);
        }
    }

    private static float[] Fill(int count, int seed)
    {
        var rng = new Random(seed);
        var data = new float[count];
        for (int i = 0; i < count; i++) data[i] = (float)(rng.NextDouble() - 0.5);
        return data;
    }

    private static double Median(List<double> values)
    {
        var s = values.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }
}
