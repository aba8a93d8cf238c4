using System.Buffers.Binary;
using FaceParse.Tensors.Serialization.PyTorch;
using FaceParse.Tensors.Tests.Checkpoints;
using FaceParse.Testing.Fuzz;

namespace FaceParse.Tensors.Tests.Fuzz;

/// <summary>The PyTorch checkpoint reader under seeded mutation (issue 13): zip and legacy checkpoints (written by our test
/// writer, the hostile set, and small real files from ../shared/fixtures when present) with generic edits plus zip-header
/// field edits and pickle-opcode damage. Every case must load (and convert every tensor) or raise
/// <see cref="InvalidDataException"/> / <see cref="UnsafeCheckpointException"/>, within 2 s, allocating at most 16 bytes
/// per input byte plus the 64 MiB tensor limit used here plus 16 MiB.</summary>
[Trait("Category", "Fuzz")]
public sealed class TorchCheckpointFuzzTests(ITestOutputHelper output)
{
    private const int CiCases = 3000;
    private static readonly CheckpointLimits Limits = new() { MaxTotalTensorBytes = 64L << 20 };

    [Fact(Timeout = 300_000)]
    public async Task MutatedCheckpointsLoadOrFailWithTheDocumentedErrors()
    {
        var target = new FuzzTarget
        {
            Name = "pytorch",
            Run = bytes =>
            {
                var checkpoint = TorchCheckpoint.Load(new MemoryStream(bytes, writable: false), "fuzz.pt", limits: Limits);
                foreach (var (_, tensor) in PickleTree.Tensors(checkpoint.Root)) tensor.ToTensor();
            },
            DocumentedError = typeof(InvalidDataException),
            AlsoDocumented = typeof(UnsafeCheckpointException),
            AllocationBound = bytes => 16L * bytes.Length + Limits.MaxTotalTensorBytes + (16 << 20),
        };
        var mutator = new Mutator(Corpus(), [("zip-field", ZipField), ("pickle-opcode", PickleOpcode)]);
        var report = await Task.Run(() => FuzzRunner.Run(target, mutator, FuzzRunner.Cases(CiCases), FuzzRunner.Seed(20261206),
            TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);
        output.WriteLine(report.ToString());
        Assert.True(report.Rejected > 0 && report.Succeeded > 0, report.ToString());
    }

    private static List<byte[]> Corpus()
    {
        var files = new List<byte[]>
        {
            TorchZipWriter.StateDict([("conv.weight", [.. Enumerable.Range(0, 24).Select(i => i * 0.5f)], [2, 3, 2, 2]), ("conv.bias", [1f, -1f], [2])]),
            TorchZipWriter.StateDict([("a", [3f], [1]), ("b.c", [.. Enumerable.Range(0, 12).Select(i => (float)i)], [3, 4])], root: "model"),
        };
        string hostile = Path.Combine(AppContext.BaseDirectory, "Checkpoints", "Hostile");
        if (Directory.Exists(hostile))
            files.AddRange(Directory.GetFiles(hostile, "*.pt").Order(StringComparer.Ordinal).Select(File.ReadAllBytes).Where(b => b.Length <= 64 << 10));
        if (SharedFixtures.Root is { } root)
            foreach (string relative in new[] { "pytorch-checkpoints/adamw_load.pth", "pytorch-checkpoints/module_load.pth", "pytorch-checkpoints/tensors.pth", "mtcnn/pnet.pt" })
                if (File.Exists(Path.Combine(root, relative))) files.Add(File.ReadAllBytes(Path.Combine(root, relative)));
        return files;
    }

    private static readonly uint[] Interesting = [0, 1, 0xFFFF, 0xFFFFFFFF, 0x7FFFFFFF, 100, 1 << 20];

    // a field of a local file header (PK 3 4) or central directory entry (PK 1 2): sizes, offsets, name length, method, CRC
    private static byte[]? ZipField(byte[] file, Random rng)
    {
        var headers = new List<(int At, bool Central)>();
        for (int i = 0; i + 4 <= file.Length; i++)
        {
            if (file[i] != 'P' || file[i + 1] != 'K') continue;
            if (file[i + 2] == 3 && file[i + 3] == 4) headers.Add((i, false));
            else if (file[i + 2] == 1 && file[i + 3] == 2) headers.Add((i, true));
        }
        if (headers.Count == 0) return null;
        var (at, central) = headers[rng.Next(headers.Count)];
        int[] fields = central ? [10, 16, 20, 24, 28, 30, 42] : [8, 14, 18, 22, 26, 28];
        int field = at + fields[rng.Next(fields.Length)];
        if (field + 4 > file.Length) return null;
        var copy = (byte[])file.Clone();
        uint value = Interesting[rng.Next(Interesting.Length)];
        if (rng.Next(2) == 0) BinaryPrimitives.WriteUInt16LittleEndian(copy.AsSpan(field), (ushort)value);
        else BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(field), value);
        return copy;
    }

    private static readonly byte[] Opcodes = [(byte)'(', (byte)')', (byte)'.', (byte)'0', (byte)'1', (byte)'2', (byte)'J', (byte)'K', (byte)'M',
        (byte)'N', (byte)'R', (byte)'X', (byte)']', (byte)'a', (byte)'b', (byte)'c', (byte)'e', (byte)'h', (byte)'j', (byte)'q', (byte)'r',
        (byte)'s', (byte)'t', (byte)'u', (byte)'}', 0x80, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8c, 0x93, 0x94, 0x95, (byte)'Q', (byte)'i'];

    // an opcode inside the pickle (after the protocol header PROTO n) replaced, inserted or removed
    private static byte[]? PickleOpcode(byte[] file, Random rng)
    {
        int start = file.AsSpan().IndexOf("data.pkl"u8);
        int proto = start < 0 ? -1 : file.AsSpan(start).IndexOf((byte)0x80);
        int at = proto < 0 ? (file.Length > 2 && file[0] == 0x80 ? 2 : -1) : start + proto + 2;
        if (at < 0 || at >= file.Length) return null;
        int offset = at + rng.Next(Math.Min(512, file.Length - at));
        byte op = Opcodes[rng.Next(Opcodes.Length)];
        return rng.Next(3) switch
        {
            0 => [.. file.AsSpan(0, offset), op, .. file.AsSpan(offset)],
            1 => [.. file.AsSpan(0, offset), .. file.AsSpan(offset + 1)],
            _ => [.. file.AsSpan(0, offset), op, .. file.AsSpan(offset + 1)],
        };
    }
}
