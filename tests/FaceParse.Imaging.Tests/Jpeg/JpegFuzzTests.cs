using System.Diagnostics;
using FaceParse.Imaging.Jpeg;

namespace FaceParse.Imaging.Tests.Jpeg;

/// <summary>Deterministic mutation fuzzing of every sample JPEG: bit flips, truncations, insertions, deletions and
/// marker-ish bytes. Every outcome must be a clean decode or an <see cref="ImageFormatException"/>, each within 2 s.</summary>
public class JpegFuzzTests(ITestOutputHelper output)
{
    private const int MutationsPerFile = 200;
    private static readonly TimeSpan PerCaseLimit = TimeSpan.FromSeconds(2);

    public static TheoryData<string> Files() => SampleFiles.Files("jpeg");

    [Theory(Timeout = 120_000)]
    [MemberData(nameof(Files))]
    public async Task MutationsFailCleanly(string file)
    {
        SampleFiles.Row(file);
        byte[] original = SampleFiles.Bytes(file);
        int seed = StableSeed(file);
        var (decoded, rejected, slowest) = await Task.Run(() => RunCases(original, seed), TestContext.Current.CancellationToken);
        output.WriteLine($"{MutationsPerFile} cases: {decoded} decoded, {rejected} rejected, slowest {slowest.TotalMilliseconds:F1} ms");
    }

    private static (int Decoded, int Rejected, TimeSpan Slowest) RunCases(byte[] original, int seed)
    {
        var rng = new Random(seed);
        var options = new ImageDecodeOptions { MaxPixels = 4_000_000 };
        int decoded = 0, rejected = 0;
        var slowest = TimeSpan.Zero;
        for (int i = 0; i < MutationsPerFile; i++)
        {
            byte[] mutated = Mutate(original, rng);
            var sw = Stopwatch.StartNew();
            try
            {
                var image = JpegDecoder.Decode(mutated, options, "fuzz.jpg");
                Assert.True(image.Width > 0 && image.Height > 0);
                decoded++;
            }
            catch (ImageFormatException) { rejected++; }
            catch (Exception e)
            {
                Assert.Fail($"case {i} (seed {seed}): {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
            }
            sw.Stop();
            if (sw.Elapsed > slowest) slowest = sw.Elapsed;
            Assert.True(sw.Elapsed < PerCaseLimit, $"case {i} (seed {seed}) took {sw.Elapsed.TotalMilliseconds:F0} ms");
        }
        return (decoded, rejected, slowest);
    }

    private static int StableSeed(string s)
    {
        int h = 17;
        foreach (char c in s) h = h * 31 + c;
        return h;
    }

    /// <summary>One to four random edits, biased towards the header area where most of the structure lives.</summary>
    private static byte[] Mutate(byte[] src, Random rng)
    {
        var data = new List<byte>(src);
        int edits = 1 + rng.Next(4);
        for (int e = 0; e < edits && data.Count > 2; e++)
        {
            int span = rng.Next(2) == 0 ? Math.Min(data.Count, 1024) : data.Count;
            int at = rng.Next(span);
            switch (rng.Next(7))
            {
                case 0: data[at] ^= (byte)(1 << rng.Next(8)); break;
                case 1: data[at] = (byte)rng.Next(256); break;
                case 2: data.RemoveRange(rng.Next(data.Count), 1); break;
                case 3: data.Insert(at, (byte)rng.Next(256)); break;
                case 4: data.RemoveRange(Math.Max(at, 2), data.Count - Math.Max(at, 2)); break; // truncate
                case 5: data.InsertRange(at, [0xFF, (byte)rng.Next(0xC0, 0x100)]); break;
                default: data[at] = 0xFF; break;
            }
        }
        return [.. data];
    }
}
