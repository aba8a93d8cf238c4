using System.Buffers.Binary;
using FaceParse.Imaging.Jpeg;

namespace FaceParse.Imaging.Tests.Jpeg;

/// <summary>Structurally corrupt files that libjpeg-turbo refuses (two SOI, two SOF, a DQT with table index 10, placed
/// before the first scan and between progressive scans): djpeg must refuse each, and so must we.</summary>
public class JpegStructureTests
{
    private static readonly byte[] BogusDqt = [0xFF, 0xDB, 0, 67, 0x0A, .. Enumerable.Repeat((byte)1, 64)];

    public static TheoryData<string, bool> Cases() => new()
    {
        { "two-soi", false }, { "two-sof", false }, { "dqt-index-10", false },
        { "two-soi", true }, { "two-sof", true }, { "dqt-index-10", true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void RefusedLikeLibjpeg(string fault, bool progressive)
    {
        byte[] bytes = Corrupt(fault, progressive);
        var (code, stderr) = ExternalTools.Try("djpeg", "", bytes);
        Assert.True(code != 0, $"djpeg accepted the {fault} file (our construction is wrong)");
        var e = Assert.Throws<ImageFormatException>(() => ImageCodec.Decode(bytes, fileName: "corrupt.jpg"));
        Assert.Equal("corrupt.jpg", e.FileName);
        Assert.False(string.IsNullOrEmpty(stderr));
    }

    /// <summary>A valid file from our encoder (progressive: re-coded by cjpeg) with one structural fault inserted after
    /// the first SOF (sequential) or before the second SOS (progressive).</summary>
    private static byte[] Corrupt(string fault, bool progressive)
    {
        byte[] valid = JpegEncoder.Encode(TestImages.Photo(40, 24, 3), 90, JpegSubsampling.S420);
        if (progressive) valid = ExternalTools.Run("jpegtran", "-progressive", valid);
        var (sofStart, sofEnd) = FindSegment(valid, m => m is 0xC0 or 0xC1 or 0xC2, 2);
        int sos = FindSegment(valid, m => m == 0xDA, 2).Start;
        int at = progressive ? FindSegment(valid, m => m == 0xDA, sos + 2, scanData: true).Start : sofEnd;
        byte[] insert = fault switch
        {
            "two-soi" => [0xFF, 0xD8],
            "two-sof" => valid[sofStart..sofEnd],
            _ => BogusDqt,
        };
        return [.. valid[..at], .. insert, .. valid[at..]];
    }

    // (start, end) of the first marker segment at or after `from` whose code matches; with scanData, entropy-coded bytes are skipped
    private static (int Start, int End) FindSegment(byte[] data, Func<int, bool> match, int from, bool scanData = false)
    {
        for (int p = from; p + 3 < data.Length; p++)
        {
            if (data[p] != 0xFF || data[p + 1] is 0x00 or 0xFF or (>= 0xD0 and <= 0xD7)) continue;
            int marker = data[p + 1];
            int length = BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(p + 2));
            if (match(marker)) return (p, p + 2 + length);
            if (!scanData) p += 1 + length;
        }
        throw new InvalidOperationException("segment not found");
    }
}
