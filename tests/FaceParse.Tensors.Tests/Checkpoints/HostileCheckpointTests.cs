using System.Text;
using FaceParse.Tensors.Serialization.PyTorch;

namespace FaceParse.Tensors.Tests.Checkpoints;

/// <summary>Hostile checkpoints (Checkpoints/make_hostile.py, Python standard library): each is refused with a typed
/// exception, runs nothing (the marker file its pickle would create never appears) and allocates boundedly.</summary>
public sealed class HostileCheckpointTests
{
    public const string Marker = "/tmp/faceparse-hostile-marker";
    private const long AllocationBound = 64L << 20;

    /// <summary>File, whether it is refused as unsafe (else as malformed), and a fragment the message must contain.</summary>
    public static TheoryData<string, bool, string> Cases => new()
    {
        { "os_system.pt", true, "global 'posix.system'" },
        { "subprocess_popen.pt", true, "global 'subprocess.Popen'" },
        { "legacy_os_system.pt", true, "global 'posix.system'" },
        { "builtins_eval.pt", true, "global 'builtins.eval'" },
        { "builtins_exec.pt", true, "global 'builtins.exec'" },
        { "builtins_getattr.pt", true, "global 'builtins.getattr'" },
        { "builtins_import.pt", true, "global 'builtins.__import__'" },
        { "torch_lookalike.pt", true, "global 'torch.storage._load_from_bytes'" },
        { "torch_lookalike_storage.pt", true, "global 'torch.FloatStorageX'" },
        { "stack_global_os_system.pt", true, "global 'os.system'" },
        { "inst_opcode.pt", true, "opcode INST" },
        { "obj_opcode.pt", true, "global 'os.system'" },
        { "storage_overclaim.pt", false, "claims 4000000 bytes" },
        { "storage_overclaim_huge.pt", false, "over the" },
        { "legacy_storage_overclaim.pt", false, "claims 1099511627776 elements" },
        { "view_overrun.pt", false, "reaches element 4" },
        { "memo_1e9.pt", false, "memo entry 1000000000" },
        { "string_overclaim.pt", false, "1000000000 bytes" },
        { "deep_tuples.pt", false, "nest deeper" },
        { "deep_lists.pt", false, "nest deeper" },
        { "cycle.pt", false, "contains itself" },
        { "zip_bomb.pt", false, "zip bomb" },
        { "torchscript.pt", false, "TorchScript is not supported" },
        { "not_a_checkpoint.pt", false, "not a PyTorch checkpoint" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void IsRefusedWithATypedErrorAndRunsNothing(string name, bool unsafeGlobal, string fragment)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Checkpoints", "Hostile", name);
        File.Delete(Marker);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Record.Exception(() => TorchCheckpoint.Load(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.NotNull(error);
        if (unsafeGlobal)
        {
            var e = Assert.IsType<UnsafeCheckpointException>(error);
            Assert.Equal(path, e.File);
            Assert.Contains(path, e.Message);
        }
        else Assert.IsType<InvalidDataException>(error);
        Assert.Contains(fragment, error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.False(File.Exists(Marker), "the checkpoint ran code");
        Assert.True(allocated < AllocationBound, $"{name}: allocated {allocated} bytes");
    }

    // A deflated entry whose headers claim 16 bytes but which inflates to 16 MiB: the reader never takes more than the
    // declared size (it checks for extra bytes; .NET's zip stream itself also stops at the declared length), so the load
    // either fails or yields exactly the 4 declared floats, with bounded allocation either way.
    [Fact]
    public void ALyingZipHeaderNeverInflatesPastItsDeclaredSize()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Checkpoints", "Hostile", "zip_bomb_lying_header.pt");
        long before = GC.GetAllocatedBytesForCurrentThread();
        TorchCheckpoint? checkpoint = null;
        var error = Record.Exception(() => checkpoint = TorchCheckpoint.Load(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < AllocationBound, $"allocated {allocated} bytes");
        if (error is not null) Assert.IsType<InvalidDataException>(error);
        else Assert.Equal(new float[4], checkpoint!.ToTensors()["w"].ToArray());
    }

    [Fact]
    public void InspectingWithoutDataRefusesTheSameGlobals()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Checkpoints", "Hostile", "os_system.pt");
        Assert.Throws<UnsafeCheckpointException>(() => TorchCheckpoint.Load(path, readData: false));
    }

    // 10^6 nested lists (EMPTY_LIST ×10^6 then APPEND ×10^6), too big to commit: built here, stored uncompressed.
    [Fact]
    public void AMillionDeepNestingIsBoundedByTheStackLimit()
    {
        const int depth = 1_000_000;
        var pkl = new byte[2 + depth + (depth - 1) + 1];
        pkl[0] = 0x80; pkl[1] = 2;
        pkl.AsSpan(2, depth).Fill((byte)']');
        pkl.AsSpan(2 + depth, depth - 1).Fill((byte)'a');
        pkl[^1] = (byte)'.';
        var file = new TorchZipWriter().Write(pkl);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => TorchCheckpoint.Load(new MemoryStream(file), "deep.pt"));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("stack", e.Message);
        Assert.True(allocated < AllocationBound, $"allocated {allocated} bytes");
    }

    // The same 10^6 nesting through MARKs.
    [Fact]
    public void AMillionNestedMarksAreRefused()
    {
        var pkl = new List<byte> { 0x80, 2 };
        pkl.AddRange(Enumerable.Repeat((byte)'(', 1_000_000));
        pkl.Add((byte)'.');
        var e = Assert.Throws<InvalidDataException>(() => TorchCheckpoint.Load(new MemoryStream(new TorchZipWriter().Write([.. pkl])), "marks.pt"));
        Assert.Contains("MARK", e.Message);
    }

    // Stride-0 views of a one-element storage would need 12 GiB as float32: refused before anything is converted.
    [Fact]
    public void StrideZeroViewsCannotInflateASmallStorage()
    {
        var writer = new TorchZipWriter();
        writer.Storage("0", new byte[4]);
        var dict = new PickleDict("collections.OrderedDict");
        for (int i = 0; i < 3; i++) dict.Items[$"w{i}"] = new PickleWriter.TensorRef("0", "FloatStorage", 1, 0, [1L << 30], [0]);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => TorchCheckpoint.Load(new MemoryStream(writer.Write(dict)), "expand.pt"));
        Assert.Contains("MaxTotalTensorBytes", e.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < AllocationBound);
        // A lower configured cap applies to a single view as well.
        var small = new CheckpointLimits { MaxTotalTensorBytes = 1 << 20 };
        var one = new PickleDict("dict");
        one.Items["w"] = new PickleWriter.TensorRef("0", "FloatStorage", 1, 0, [1L << 20], [0]);
        Assert.Throws<InvalidDataException>(() => TorchCheckpoint.Load(new MemoryStream(writer.Write(one)), "expand1.pt", limits: small));
    }

    // tuple(list) through REDUCE, nested via the memo, is held to the same depth limit as TUPLE opcodes.
    [Fact]
    public void TuplesBuiltByReduceAreDepthLimited()
    {
        var pkl = new List<byte> { 0x80, 2, (byte)')', (byte)'q', 0 };
        for (int i = 0; i < 1000; i++)
            pkl.AddRange([.. "cbuiltins\ntuple\n"u8, (byte)']', (byte)'h', 0, (byte)'a', 0x85, (byte)'R', (byte)'q', 0, (byte)'0']);
        pkl.AddRange([(byte)'h', 0, (byte)'.']);
        var e = Assert.Throws<InvalidDataException>(() => TorchCheckpoint.Load(new MemoryStream(new TorchZipWriter().Write([.. pkl])), "tuples.pt"));
        Assert.Contains("nest deeper", e.Message);
    }

    [Fact]
    public void EveryOpcodeOutsideTheListIsRefusedByName()
    {
        // Protocol-0 text opcodes and protocol-5 buffers: none is needed by state dicts.
        foreach (var (op, name) in new[] { ('I', "INT"), ('S', "STRING"), ('V', "UNICODE"), ('d', "DICT"), ('l', "LIST"), ('p', "PUT"), ('g', "GET"),
                     ('\u0096', "BYTEARRAY8"), ('\u0097', "NEXT_BUFFER"), ('\u0092', "NEWOBJ_EX"), ('\u0082', "EXT1"), ('P', "PERSID") })
        {
            var pkl = new byte[] { 0x80, 2, (byte)op, (byte)'.' };
            var e = Assert.Throws<UnsafeCheckpointException>(() => TorchCheckpoint.Load(new MemoryStream(new TorchZipWriter().Write(pkl)), "op.pt"));
            Assert.Contains($"opcode {name}", e.Message);
        }
    }

    [Fact]
    public void GlobalsAreRefusedBeforeAnyTensorIsBuilt()
    {
        // A valid tensor first, then os.system: the whole load fails and nothing is returned.
        var writer = new TorchZipWriter();
        var dict = new PickleDict("collections.OrderedDict");
        dict.Items["w"] = writer.Float([1, 2, 3], 3);
        var good = new PickleWriter().Write(dict);
        var bad = good[..^2].Concat(Encoding.ASCII.GetBytes("cos\nsystem\n")).Concat(new byte[] { (byte)'0', (byte)'.' }).ToArray();
        var e = Assert.Throws<UnsafeCheckpointException>(() => TorchCheckpoint.Load(new MemoryStream(writer.Write(bad)), "late.pt"));
        Assert.Contains("'os.system'", e.Message);
    }
}
