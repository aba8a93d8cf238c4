using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;
using FaceParse.Tensors.Serialization;
using FaceParse.Testing.Fuzz;

namespace FaceParse.Tensors.Tests.Fuzz;

/// <summary>The safetensors reader under seeded mutation (issue 13): every case loads or raises
/// <see cref="InvalidDataException"/> within 2 s, allocating at most 16 bytes per input byte plus 1 MiB (a U8 tensor
/// becomes 4-byte floats; the header is parsed once). 4,000 cases here; `tests/fuzz.sh --long` runs 40,000.</summary>
[Trait("Category", "Fuzz")]
public sealed class SafeTensorsFuzzTests(ITestOutputHelper output)
{
    private const int CiCases = 4000;

    [Fact(Timeout = 300_000)]
    public async Task MutatedFilesLoadOrFailWithTheDocumentedError()
    {
        var target = new FuzzTarget
        {
            Name = "safetensors",
            Run = bytes => SafeTensors.Load(new MemoryStream(bytes, writable: false)),
            DocumentedError = typeof(InvalidDataException),
            AllocationBound = bytes => 16L * bytes.Length + (1 << 20),
        };
        var mutator = new Mutator(Corpus(), [
            ("header-length", HeaderLength), ("json-number", JsonNumber), ("json-dtype", JsonDtype),
            ("json-edit-length-fixed", JsonEdit), ("huge-shape", HugeShape), ("cut-data", CutData),
        ]);
        var report = await Task.Run(() => FuzzRunner.Run(target, mutator, FuzzRunner.Cases(CiCases), FuzzRunner.Seed(20261206),
            TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);
        output.WriteLine(report.ToString());
        Assert.True(report.Rejected > 0 && report.Succeeded > 0, report.ToString());
    }

    private static byte[] File(string header, byte[] data)
    {
        var h = Encoding.UTF8.GetBytes(header);
        return [.. BitConverter.GetBytes((ulong)h.Length), .. h, .. data];
    }

    private static List<byte[]> Corpus()
    {
        var random = new Random(7);
        byte[] Bytes(int n) { var b = new byte[n]; random.NextBytes(b); return b; }
        var files = new List<byte[]>
        {
            File("{\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}}", Bytes(24)),
            File("{\"__metadata__\":{\"k\":\"v\",\"faceparse.model\":\"{}\"},\"w\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[8,12]}}", Bytes(12)),
            File("{\"i\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]},\"u\":{\"dtype\":\"U8\",\"shape\":[3,1],\"data_offsets\":[16,19]},"
                + "\"t\":{\"dtype\":\"BOOL\",\"shape\":[1],\"data_offsets\":[19,20]},\"s\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[20,28]}}", Bytes(28)),
            File("{\"e\":{\"dtype\":\"I32\",\"shape\":[0,5],\"data_offsets\":[0,0]},\"h\":{\"dtype\":\"I16\",\"shape\":[3],\"data_offsets\":[0,6]},"
                + "\"c\":{\"dtype\":\"I8\",\"shape\":[2],\"data_offsets\":[6,8]}}    ", Bytes(8)),
        };
        using var saved = new MemoryStream();
        SafeTensors.Save(saved, new Dictionary<string, Tensor>
        {
            ["layer.weight"] = Tensor.Uniform(new Random(1), -1, 1, 4, 3, 3, 3),
            ["layer.bias"] = Tensor.Zeros(4),
        }, new Dictionary<string, string> { ["note"] = "saved by FaceParse" });
        files.Add(saved.ToArray());
        return files;
    }

    // (header, data) of a file whose header length is sane, else null
    private static (string Header, byte[] Data)? Split(byte[] file)
    {
        if (file.Length < 8) return null;
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(file);
        if (n > (ulong)(file.Length - 8)) return null;
        return (Encoding.UTF8.GetString(file, 8, (int)n), file[(8 + (int)n)..]);
    }

    private static byte[]? HeaderLength(byte[] file, Random rng)
    {
        if (file.Length < 8) return null;
        var copy = (byte[])file.Clone();
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(copy);
        ulong[] values = [0, 1, 2, n - 1, n + 1, n + 8, ulong.MaxValue, long.MaxValue, 100_000_000, 100_000_001, (ulong)file.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(copy, values[rng.Next(values.Length)]);
        return copy;
    }

    private static readonly string[] Numbers = ["0", "1", "-1", "2", "3", "7", "8", "65536", "2147483647", "2147483648", "9223372036854775807",
        "99999999999999999999", "1e308", "0.5", "-0", "null", "\"4\"", "[]", "{}"];

    private static byte[]? JsonNumber(byte[] file, Random rng)
    {
        if (Split(file) is not var (header, data)) return null;
        var matches = Regex.Matches(header, "-?[0-9]+").ToList();
        if (matches.Count == 0) return null;
        var m = matches[rng.Next(matches.Count)];
        return File(header[..m.Index] + Numbers[rng.Next(Numbers.Length)] + header[(m.Index + m.Length)..], data);
    }

    private static readonly string[] Dtypes = ["F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8", "BOOL", "F8_E4M3", "C64", "", "f32"];

    private static byte[]? JsonDtype(byte[] file, Random rng)
    {
        if (Split(file) is not var (header, data)) return null;
        var matches = Regex.Matches(header, "\"dtype\":\"([A-Z0-9_]*)\"").ToList();
        if (matches.Count == 0) return null;
        var g = matches[rng.Next(matches.Count)].Groups[1];
        return File(header[..g.Index] + Dtypes[rng.Next(Dtypes.Length)] + header[(g.Index + g.Length)..], data);
    }

    private static readonly string[] Fragments = ["\"", "{", "}", "[", "]", ",", ":", "\\", "\\u0000", "\\ud800", "\u00e9", "null", "\"__metadata__\"", " "];

    private static byte[]? JsonEdit(byte[] file, Random rng)
    {
        if (Split(file) is not var (header, data) || header.Length == 0) return null;
        int at = rng.Next(header.Length);
        string edited = rng.Next(2) == 0
            ? header[..at] + Fragments[rng.Next(Fragments.Length)] + header[at..]
            : header[..at] + header[Math.Min(header.Length, at + 1 + rng.Next(4))..];
        return File(edited, data);
    }

    private static byte[]? HugeShape(byte[] file, Random rng)
    {
        if (Split(file) is not var (header, data)) return null;
        var matches = Regex.Matches(header, "\"shape\":\\[[0-9,]*\\]").ToList();
        if (matches.Count == 0) return null;
        var m = matches[rng.Next(matches.Count)];
        string[] shapes = ["[100000,100000,1000]", "[2147483647]", "[2147483648]", "[65536,65536]", "[0]", "[]", "[1,1,1,1,1,1,1,1,1,1]", "[-1]"];
        return File(header[..m.Index] + "\"shape\":" + shapes[rng.Next(shapes.Length)] + header[(m.Index + m.Length)..], data);
    }

    private static byte[]? CutData(byte[] file, Random rng)
    {
        if (Split(file) is not var (header, data) || data.Length == 0) return null;
        return File(header, data[..rng.Next(data.Length)]);
    }
}
