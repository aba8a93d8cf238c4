using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using FaceParse.Detection;
using FaceParse.Imaging;
using FaceParse.Imaging.Geometry;
using FaceParse.Inference;
using FaceParse.TestSupport;

namespace FaceParse.Tests.Detection;

/// <summary>Issue 10, "Bad input": many faces in one photo, a 10000×10000 photo (bounded memory), 16-bit PNGs. Each gives
/// a sensible result or a typed error. The face is docs/sample/astronaut.png cropped around its detected face.</summary>
public sealed class BadInputDetectionTests
{
    [Fact]
    public void Twenty_faces_in_one_photo_are_found_and_parsed()
    {
        var tile = Resize.Apply(AstronautFace(), 220, 220, ResizeMode.Bilinear);
        var canvas = Flat(1600, 1000, 128);
        var cells = new List<(int X, int Y)>();
        for (int row = 0; row < 4; row++)
            for (int col = 0; col < 5; col++)
            {
                cells.Add((col * 320 + 50, row * 250 + 15));
                Paste(canvas, tile, col * 320 + 50, row * 250 + 15);
            }
        var clock = Stopwatch.StartNew();
        var faces = MtcnnFixtures.Detector.Detect(canvas);
        double detectSeconds = clock.Elapsed.TotalSeconds;
        // one detection per pasted copy: each detected centre lies in a distinct copy
        var hit = cells.Select(c => faces.Count(f => Inside(f, c.X, c.Y, 220))).ToArray();
        Assert.All(hit, n => Assert.True(n <= 1, $"a copy detected {n} times"));
        Assert.True(hit.Sum() >= 18, $"found {hit.Sum()} of 20 faces ({faces.Count} detections)");
        Assert.Equal(hit.Sum(), faces.Count);

        clock.Restart();
        var result = FaceParser.Load("default").Parse(canvas);
        TestContext.Current.SendDiagnosticMessage($"20 faces 1600x1000: detect {detectSeconds:F1} s, auto parse {clock.Elapsed.TotalSeconds:F1} s, {faces.Count} found");
        Assert.Equal(faces.Count, result.Faces.Count);
        Assert.Empty(result.Warnings);
        Assert.Equal(1600 * 1000, result.LabelMap.Length);
        foreach (var face in result.Faces)
        {
            Assert.Equal(face.Region.Width * face.Region.Height, face.LabelMap.Length);
            // most of the face box is labelled as a face part, not background
            var box = face.Face.ToFaceBox();
            int inBox = 0, labelled = 0;
            for (int y = Math.Max(0, box.Y); y < Math.Min(1000, box.Y + box.Height); y++)
                for (int x = Math.Max(0, box.X); x < Math.Min(1600, box.X + box.Width); x++, inBox++)
                    if (result.LabelMap[y * 1600 + x] != 0) labelled++;
            Assert.True(labelled > inBox / 2, $"face at {box}: {labelled} of {inBox} box pixels labelled");
        }
    }

    /// <summary>A 10000² photo: the detector works on a copy shrunk by ⌈side/2048⌉ = 5, so it finds the pasted face and
    /// allocates (garbage included, on the calling thread; it pools nothing) about what it does on a 2000² photo; auto
    /// parsing under a budget below its photo-sized planes (labels and confidence, 5 bytes a pixel) is refused with the
    /// typed error after detection, before any plane is allocated. (A full auto parse at 10000² under a 1 GiB budget was
    /// run by hand: it succeeds, but its decoder garbage lifts the process to ~5 GB resident, too much for a unit test.)</summary>
    [Fact]
    public void A_10000_square_photo_is_detected_in_bounded_memory_and_an_auto_parse_over_budget_is_refused()
    {
        var face = Resize.Apply(AstronautFace(), 700, 700, ResizeMode.Bilinear);
        var detector = MtcnnFixtures.Detector;
        var small = Flat(2000, 2000, 150);
        Paste(small, face, 600, 400);
        detector.Detect(small); // warm-up
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Single(detector.Detect(small));
        long smallBytes = GC.GetAllocatedBytesForCurrentThread() - before;

        const int side = 10000;
        GC.Collect(); // the detector's garbage (over a gigabyte of large float arrays) is not left lying about
        var photo = Flat(side, side, 150);
        Paste(photo, face, 6000, 2000);
        Assert.Equal(5, detector.ShrinkFactor(side, side));
        var clock = Stopwatch.StartNew();
        before = GC.GetAllocatedBytesForCurrentThread();
        var faces = detector.Detect(photo);
        long bigBytes = GC.GetAllocatedBytesForCurrentThread() - before;
        TestContext.Current.SendDiagnosticMessage($"10000x10000 detect: {clock.Elapsed.TotalSeconds:F1} s, {bigBytes >> 20} MiB allocated (2000x2000: {smallBytes >> 20} MiB)");
        var found = Assert.Single(faces);
        Assert.True(Inside(found, 6000, 2000, 700), $"face at {found}");
        Assert.True(found.Width > 250, $"face {found.Width} px wide: coordinates not scaled back"); // ≈ 300 px in the photo
        Assert.True(bigBytes < smallBytes * 1.25 + (64L << 20), $"{bigBytes} bytes on 10000², {smallBytes} on 2000²");

        GC.Collect();
        var tight = FaceParser.Load("default", new FaceParserOptions { MemoryBudget = 256L << 20, Detector = detector });
        var e = Assert.Throws<MemoryBudgetException>(() => tight.Parse(photo));
        Assert.True(e.NeededBytes > 5L * side * side && e.NeededBytes > e.BudgetBytes, $"needed {e.NeededBytes}");
        Assert.Contains("10000x10000", e.Message);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(1)]
    public void A_16_bit_png_gives_the_same_faces_as_its_8_bit_version(int channels)
    {
        var rgb = AstronautFace();
        var image8 = rgb.ToChannels(channels);
        if (channels == 4)
            for (int i = 3; i < image8.Pixels.Length; i += 4) image8.Pixels[i] = 255;
        // 16-bit samples whose high byte is the 8-bit value and whose low byte varies (so a decoder that read the low
        // byte, or dropped samples, would see a different picture)
        var samples = new ushort[image8.Pixels.Length];
        for (int i = 0; i < samples.Length; i++) samples[i] = (ushort)(image8.Pixels[i] << 8 | (i * 37 & 255));
        byte[] png = Png16(image8.Width, image8.Height, channels, samples);
        var decoded = ImageCodec.Decode(png);
        Assert.Equal(image8.Pixels, decoded.Image.Pixels);

        var expected = MtcnnFixtures.Detector.Detect(image8);
        var actual = MtcnnFixtures.Detector.Detect(decoded.Image);
        Assert.Single(expected);
        Assert.Equal(expected, actual, (a, b) => a.X1 == b.X1 && a.Y1 == b.Y1 && a.X2 == b.X2 && a.Y2 == b.Y2 && a.Score == b.Score);
    }

    // A 16-bit PNG written here (not by the repo's encoder): IHDR, one IDAT of filter-0 rows through zlib, IEND.
    private static byte[] Png16(int width, int height, int channels, ushort[] samples)
    {
        byte colorType = channels switch { 1 => 0, 2 => 4, 3 => 2, _ => 6 };
        var raw = new MemoryStream();
        for (int y = 0; y < height; y++)
        {
            raw.WriteByte(0);
            for (int i = 0; i < width * channels; i++)
            {
                ushort v = samples[y * width * channels + i];
                raw.WriteByte((byte)(v >> 8));
                raw.WriteByte((byte)v);
            }
        }
        var idat = new MemoryStream();
        using (var z = new ZLibStream(idat, CompressionLevel.Fastest, leaveOpen: true)) raw.WriteTo(z);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 16;
        header[9] = colorType;
        var file = new MemoryStream();
        file.Write([137, 80, 78, 71, 13, 10, 26, 10]);
        PngChunkWriter.Write(file, "IHDR", header);
        PngChunkWriter.Write(file, "IDAT", idat.ToArray());
        PngChunkWriter.Write(file, "IEND", []);
        return file.ToArray();
    }

    // docs/sample/astronaut.png cropped to a square 1.8× its detected face box
    private static Image AstronautFace()
    {
        string root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "FaceParse.slnx"))) root = Path.GetDirectoryName(root)!;
        var sample = ImageCodec.Load(Path.Combine(root, "docs", "sample", "astronaut.png")).Image.ToChannels(3);
        var f = MtcnnFixtures.Detector.Detect(sample)[0];
        int half = (int)(0.9 * Math.Max(f.Width, f.Height));
        int cx = (int)((f.X1 + f.X2) / 2), cy = (int)((f.Y1 + f.Y2) / 2);
        int x0 = Math.Clamp(cx - half, 0, sample.Width - 2 * half), y0 = Math.Clamp(cy - half, 0, sample.Height - 2 * half);
        var crop = new Image(2 * half, 2 * half, 3);
        for (int y = 0; y < 2 * half; y++) sample.Row(y0 + y).Slice(x0 * 3, 6 * half).CopyTo(crop.Row(y));
        return crop;
    }

    private static Image Flat(int width, int height, byte value)
    {
        var image = new Image(width, height, 3);
        Array.Fill(image.Pixels, value);
        return image;
    }

    private static void Paste(Image canvas, Image tile, int x, int y)
    {
        for (int r = 0; r < tile.Height; r++) tile.Row(r).CopyTo(canvas.Row(y + r).Slice(x * 3));
    }

    private static bool Inside(DetectedFace f, int x, int y, int size)
    {
        float cx = (f.X1 + f.X2) / 2, cy = (f.Y1 + f.Y2) / 2;
        return cx >= x && cx < x + size && cy >= y && cy < y + size;
    }
}
