using System.Text;
using FaceParse.Tensors;
using FaceParse.Tensors.Serialization;

namespace FaceParse.Tensors.Tests;

public sealed class SafeTensorsTests
{
    // 8-byte little-endian header length, the header, then the data section.
    private static byte[] File(string header, params byte[][] data)
    {
        var h = Encoding.UTF8.GetBytes(header);
        var bytes = new List<byte>(BitConverter.GetBytes((ulong)h.Length));
        bytes.AddRange(h);
        foreach (var d in data) bytes.AddRange(d);
        return [.. bytes];
    }

    private static SafeTensorsFile Load(byte[] bytes) => SafeTensors.Load(new MemoryStream(bytes));

    [Fact]
    public void ReadsHandBuiltFixtureOfEveryFloatAndIntDType()
    {
        // Written from the format description, not by our writer: entries out of offset order, metadata first.
        const string header = """
            {"__metadata__":{"format":"pt","note":"hand made"},
             "b":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},
             "a":{"dtype":"F32","shape":[1,2],"data_offsets":[4,12]},
             "c":{"dtype":"BF16","shape":[1],"data_offsets":[12,14]},
             "d":{"dtype":"I64","shape":[],"data_offsets":[14,22]},
             "e":{"dtype":"F64","shape":[1,1],"data_offsets":[22,30]},
             "z":{"dtype":"F32","shape":[0,3],"data_offsets":[30,30]}}
            """;
        var bytes = File(header,
            [0x00, 0x3C, 0x00, 0xC0],                          // F16 1.0 (0x3C00), −2.0 (0xC000)
            [0x00, 0x00, 0x00, 0x3F, 0x00, 0x00, 0x40, 0x40],  // F32 0.5 (0x3F000000), 3.0 (0x40400000)
            [0xC0, 0xBF],                                      // BF16 −1.5 (0xBFC0)
            [0xF9, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],  // I64 −7
            [0, 0, 0, 0, 0, 0, 0xD0, 0x3F]);                   // F64 0.25 (0x3FD0000000000000)
        var (tensors, metadata) = Load(bytes);
        Assert.Equal("pt", metadata["format"]);
        Assert.Equal("hand made", metadata["note"]);
        Assert.Equal([1f, -2f], tensors["b"].ToArray());
        Assert.Equal([1, 2], tensors["a"].Shape);
        Assert.Equal([0.5f, 3f], tensors["a"].ToArray());
        Assert.Equal([-1.5f], tensors["c"].ToArray());
        Assert.Empty(tensors["d"].Shape);
        Assert.Equal(-7f, tensors["d"].ToScalar());
        Assert.Equal([0.25f], tensors["e"].ToArray());
        Assert.Equal([0, 3], tensors["z"].Shape);
    }

    [Fact]
    public void RoundTripsThroughAPathWithSortedNamesAndAlignedHeader()
    {
        var rng = new Random(1);
        var view = Tensor.Uniform(rng, -1, 1, 3, 4).Transpose(0, 1); // non-contiguous
        var tensors = new Dictionary<string, Tensor>
        {
            ["layer.weight"] = Tensor.Uniform(rng, -1, 1, 2, 3, 5),
            ["a.bias"] = Tensor.Uniform(rng, -1, 1, 7),
            ["scalar"] = Tensor.Scalar(42f),
            ["t"] = view,
            ["empty"] = Tensor.Zeros(0, 2),
        };
        var dir = Directory.CreateTempSubdirectory("safetensors-test");
        try
        {
            string path = Path.Combine(dir.FullName, "model.safetensors");
            System.IO.File.WriteAllText(path, "old contents");
            SafeTensors.Save(path, tensors, new Dictionary<string, string> { ["format"] = "pt" });
            Assert.Equal(["model.safetensors"], dir.GetFiles().Select(f => f.Name)); // temp file renamed away
            var (loaded, metadata) = SafeTensors.Load(path);
            Assert.Equal("pt", metadata["format"]);
            Assert.Equal(metadata, SafeTensors.ReadMetadata(path)); // header only
            Assert.Equal(tensors.Keys.Order(), loaded.Keys.Order());
            foreach (var (name, t) in tensors)
            {
                Assert.Equal(t.Shape, loaded[name].Shape);
                Assert.Equal(t.ToArray(), loaded[name].ToArray());
            }
            var bytes = System.IO.File.ReadAllBytes(path);
            ulong n = BitConverter.ToUInt64(bytes, 0);
            Assert.Equal(0UL, (8 + n) % 8);
            string header = Encoding.UTF8.GetString(bytes, 8, (int)n);
            Assert.EndsWith("}", header.TrimEnd(' ')); // only spaces pad the JSON
            Assert.True(header.Length - header.TrimEnd(' ').Length < 8);
            Assert.StartsWith("{", header);
            var order = new[] { "a.bias", "empty", "layer.weight", "scalar", "t" }.Select(k => header.IndexOf($"\"{k}\"", StringComparison.Ordinal)).ToArray();
            Assert.Equal(order.Order(), order);
            Assert.Contains("\"a.bias\":{\"dtype\":\"F32\",\"shape\":[7],\"data_offsets\":[0,28]}", header);
        }
        finally { dir.Delete(recursive: true); }
    }

    [Fact]
    public void LoadsFromANonSeekableStream()
    {
        var ms = new MemoryStream();
        SafeTensors.Save(ms, new Dictionary<string, Tensor> { ["x"] = Tensor.Arange(5) });
        var (tensors, metadata) = SafeTensors.Load(new ForwardOnly(ms.ToArray()));
        Assert.Equal([0f, 1f, 2f, 3f, 4f], tensors["x"].ToArray());
        Assert.Empty(metadata);
    }

    private sealed class ForwardOnly(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
    }

    private const string Ok = "\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";

    public static readonly TheoryData<string, byte[], string> Malformed = new()
    {
        { "too short", [1, 0, 0], "too short" },
        { "header length past end", [.. BitConverter.GetBytes(64UL), .. "{}"u8], "past the end" },
        { "absurd header length", BitConverter.GetBytes(ulong.MaxValue), "limit" },
        { "bad json", File("{\"x\":", new byte[8]), "JSON" },
        { "not an object", File("[1, 2]"), "object" },
        { "unknown dtype", File("{\"x\":{\"dtype\":\"F8\",\"shape\":[2],\"data_offsets\":[0,2]}}", new byte[2]), "dtype 'F8'" },
        { "size mismatch", File("{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]), "needs 12 bytes" },
        { "out of range", File("{" + Ok + "}", new byte[4]), "past the 4-byte data section" },
        { "overlap", File("{" + Ok + ",\"y\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[12]), "overlaps" },
        { "hole", File("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]), "hole" },
        { "trailing bytes", File("{" + Ok + "}", new byte[12]), "cover 8 bytes" },
        { "end before begin", File("{\"x\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", new byte[8]), "end before" },
        { "absurd shape", File("{\"x\":{\"dtype\":\"F32\",\"shape\":[100000,100000,1000],\"data_offsets\":[0,8]}}", new byte[8]), "more than" },
        { "negative dim", File("{\"x\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", new byte[8]), "invalid 'shape'" },
        { "huge offsets", File("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,99999999999999999999]}}", new byte[8]), "invalid 'data_offsets'" },
        { "missing shape", File("{\"x\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", new byte[8]), "'shape'" },
        { "metadata not strings", File("{\"__metadata__\":{\"a\":1}," + Ok + "}", new byte[8]), "must be a string" },
        { "duplicate name", File("{" + Ok + "," + Ok + "}", new byte[8]), "twice" },
        { "invalid UTF-8 key", [8, 0, 0, 0, 0, 0, 0, 0, .. "{\""u8, 0xFF, 0xFE, .. "\":1}"u8], "UTF-8" },
        { "lone surrogate key", File("{\"\\udc00\":1}"), "UTF-16" },
        { "lone surrogate metadata", File("{\"__metadata__\":{\"a\":\"\\ud800\"}," + Ok + "}", new byte[8]), "UTF-16" },
    };

    [Fact]
    public void ZeroElementTensorsOfAnyRankLoad()
    {
        var file = Load(File("{\"e\":{\"dtype\":\"I32\",\"shape\":[0,0],\"data_offsets\":[0,0]},\"f\":{\"dtype\":\"F32\",\"shape\":[3,0,2],\"data_offsets\":[0,0]}}"));
        Assert.Equal([0, 0], file.Tensors["e"].Shape);
        Assert.Equal(0, file.Tensors["f"].Span.Length);
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void MalformedFilesThrowInvalidDataException(string what, byte[] bytes, string message)
    {
        var e = Assert.Throws<InvalidDataException>(() => Load(bytes));
        Assert.Contains(message, e.Message);
        Assert.StartsWith("safetensors:", e.Message);
        Assert.False(string.IsNullOrEmpty(what));
    }

    [Fact]
    public void SavingTheReservedMetadataNameThrows()
    {
        Assert.Throws<ArgumentException>(() => SafeTensors.Save(new MemoryStream(), new Dictionary<string, Tensor> { ["__metadata__"] = Tensor.Zeros(1) }));
    }
}
