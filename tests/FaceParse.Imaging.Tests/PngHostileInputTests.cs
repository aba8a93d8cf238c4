using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using FaceParse.Imaging.Png;

namespace FaceParse.Imaging.Tests;

/// <summary>Seeded mutation fuzzing and hand-made hostile files: the decoder must end promptly with an image or ImageFormatException.</summary>
public sealed class PngHostileInputTests(ITestOutputHelper output)
{
    private const int CasesPerFile = 120;

    [Fact]
    public async Task MutatedSamplesDecodeOrFailCleanly()
    {
        var files = SampleFiles.Rows.Where(r => r.Format == "png" && r.Expect == "match").Select(r => r.File).ToList();
        if (files.Count == 0) SampleFiles.PathOf("png"); // skips (or fails when required) without samples
        var originals = files.Select(f => (Name: f, Bytes: File.ReadAllBytes(SampleFiles.PathOf(f)))).ToList();
        var clock = Stopwatch.StartNew();
        var run = Task.Run(() =>
        {
            int cases = 0, decoded = 0;
            var slowest = TimeSpan.Zero;
            foreach (var (name, bytes) in originals)
            {
                var random = new Random(name.Length * 7919 + bytes.Length);
                for (int i = 0; i < CasesPerFile; i++, cases++)
                {
                    var (mutant, what) = Mutate(bytes, random);
                    var caseClock = Stopwatch.StartNew();
                    try
                    {
                        PngDecoder.Decode(mutant, fileName: name);
                        decoded++;
                    }
                    catch (ImageFormatException)
                    {
                    }
                    catch (Exception e)
                    {
                        Assert.Fail($"{name} case {i} ({what}): {e.GetType().Name}: {e.Message}");
                    }
                    if (caseClock.Elapsed > slowest) slowest = caseClock.Elapsed;
                    Assert.True(caseClock.Elapsed < TimeSpan.FromSeconds(2), $"{name} case {i} ({what}) took {caseClock.Elapsed}");
                }
            }
            return (cases, decoded, slowest);
        }, TestContext.Current.CancellationToken);
        var (total, ok, worst) = await run.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        output.WriteLine($"{total} mutated files, {ok} decoded, {total - ok} rejected, slowest {worst.TotalMilliseconds:F1} ms, total {clock.Elapsed.TotalSeconds:F2} s");
        Assert.True(total >= 3000, $"only {total} cases");
    }

    private static (byte[] Bytes, string What) Mutate(byte[] original, Random random)
    {
        var chunks = ChunkOffsets(original);
        var bytes = (byte[])original.Clone();
        switch (random.Next(6))
        {
            case 0:
                for (int k = random.Next(1, 5); k > 0; k--) bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                return (bytes, "bit flips");
            case 1:
                return (bytes[..random.Next(bytes.Length)], "truncation");
            case 2:
                int at = random.Next(bytes.Length), count = random.Next(1, 16);
                var inserted = new byte[count];
                random.NextBytes(inserted);
                return ([.. bytes[..at], .. inserted, .. bytes[at..]], $"{count} bytes inserted at {at}");
            case 3:
                int lengthAt = chunks[random.Next(chunks.Count)];
                uint[] lengths = [0, 1, 13, 0x7FFFFFFF, 0xFFFFFFFF, (uint)random.Next(), BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(lengthAt)) + (uint)random.Next(-3, 4)];
                BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(lengthAt), lengths[random.Next(lengths.Length)]);
                return (bytes, $"chunk length at {lengthAt} corrupted");
            default:
                // Damage chunk data and repair the CRC so the damage reaches IHDR/PLTE/tRNS parsing, inflation and unfiltering.
                int chunk = chunks[random.Next(chunks.Count)];
                int length = (int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(chunk));
                if (length == 0) return (bytes, "no-op");
                for (int k = random.Next(1, 4); k > 0; k--) bytes[chunk + 8 + random.Next(length)] ^= (byte)(1 << random.Next(8));
                BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(chunk + 8 + length), PngCrc.Compute(bytes.AsSpan(chunk + 4, length + 4)));
                return (bytes, $"chunk data at {chunk} damaged, CRC fixed");
        }
    }

    private static List<int> ChunkOffsets(byte[] png)
    {
        var offsets = new List<int>();
        for (int at = 8; at + 12 <= png.Length; at += 12 + (int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(at))) offsets.Add(at);
        return offsets;
    }

    private static byte[] BuildPng(int width, int height, byte colorType, byte bitDepth, byte[] idat)
    {
        using var stream = new MemoryStream();
        stream.Write(PngChunkReader.Signature);
        var ihdr = new byte[13];
        new PngHeader(width, height, bitDepth, (PngColorType)colorType, false).Write(ihdr);
        PngChunkReader.Write(stream, PngChunkType.Ihdr, ihdr);
        PngChunkReader.Write(stream, PngChunkType.Idat, idat);
        PngChunkReader.Write(stream, PngChunkType.Iend, []);
        return stream.ToArray();
    }

    private static byte[] Zlib(byte[] data)
    {
        using var buffer = new MemoryStream();
        using (var z = new ZLibStream(buffer, CompressionLevel.SmallestSize, leaveOpen: true)) z.Write(data);
        return buffer.ToArray();
    }

    private static void AssertRefusedQuickly(byte[] png, string expectedMessagePart)
    {
        var clock = Stopwatch.StartNew();
        var error = Assert.Throws<ImageFormatException>(() => PngDecoder.Decode(png));
        Assert.Contains(expectedMessagePart, error.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
    }

    [Fact]
    public void ZlibBombIsRefused()
    {
        var bomb = Zlib(new byte[64 << 20]); // 64 MiB of zeros in about 64 KiB
        Assert.True(bomb.Length < 100_000);
        AssertRefusedQuickly(BuildPng(16, 16, 0, 8, bomb), "too much image data");
    }

    [Fact]
    public void HugeDeclaredSizeIsRefused()
    {
        var tiny = Zlib(new byte[17]);
        AssertRefusedQuickly(BuildPng(65536, 65536, 6, 16, tiny), "limit");
        AssertRefusedQuickly(BuildPng(10000, 10000, 6, 8, tiny), "not enough image data");
        var limited = new PngDecodeOptions { MaxPixels = 100 };
        Assert.Throws<ImageFormatException>(() => PngDecoder.Decode(BuildPng(11, 10, 0, 8, Zlib(new byte[11 * 12])), limited));
        Assert.Equal(100, PngDecoder.Decode(BuildPng(10, 10, 0, 8, Zlib(new byte[10 * 11])), limited).Image.Pixels.Length);
    }
}
