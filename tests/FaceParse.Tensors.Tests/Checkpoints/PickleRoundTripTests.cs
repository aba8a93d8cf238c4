using System.Diagnostics;
using System.Numerics;
using System.Text;
using FaceParse.Tensors.Serialization.PyTorch;

namespace FaceParse.Tensors.Tests.Checkpoints;

/// <summary>Property: random nested structures of allowed values, written by <see cref="PickleWriter"/> (protocols 2 and 4)
/// into a torch.save zip by <see cref="TorchZipWriter"/>, read back equal; when python3 is on PATH, Python's own pickle
/// module reads the same bytes to the same values.</summary>
public sealed class PickleRoundTripTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void RandomTreesRoundTrip(int protocol)
    {
        for (int seed = 0; seed < 300; seed++)
        {
            var rng = new Random(seed * 31 + protocol);
            var writer = new TorchZipWriter("root" + seed, protocol);
            var tensors = new List<(PickleWriter.TensorRef Ref, float[] Values)>();
            var tree = RandomValue(rng, 0, writer, tensors);
            var checkpoint = TorchCheckpoint.Load(new MemoryStream(writer.Write(tree)), $"seed{seed}.pt");
            Assert.True(Same(tree, checkpoint.Root, tensors), $"protocol {protocol}, seed {seed}: {Canonical(tree)} != {Canonical(checkpoint.Root)}");
        }
    }

    [Fact]
    public void PythonReadsWhatPickleWriterWrites()
    {
        var rng = new Random(7);
        var trees = Enumerable.Range(0, 40).Select(_ => RandomValue(rng, 0, null, null)).ToList();
        var script = """
            import pickle, struct, sys, collections, codecs
            class U(pickle.Unpickler):
                def find_class(self, m, n):
                    allowed = {("collections", "OrderedDict"): collections.OrderedDict, ("collections", "Counter"): collections.Counter,
                               ("builtins", "set"): set, ("builtins", "frozenset"): frozenset, ("_codecs", "encode"): codecs.encode}
                    return allowed[(m, n)]
            def canon(v):
                if v is None: return "N"
                if isinstance(v, bool): return "T" if v else "F"
                if isinstance(v, int): return "i" + str(v)
                if isinstance(v, float): return "f" + str(struct.unpack("<q", struct.pack("<d", v))[0])
                if isinstance(v, str): return "s" + v.encode("utf-8").hex()
                if isinstance(v, bytes): return "b" + v.hex()
                if isinstance(v, tuple): return "(" + ",".join(map(canon, v)) + ")"
                if isinstance(v, list): return "[" + ",".join(map(canon, v)) + "]"
                if isinstance(v, (set, frozenset)): return ("fz" if isinstance(v, frozenset) else "st") + "{" + ",".join(sorted(map(canon, v))) + "}"
                kind = {collections.OrderedDict: "od", collections.Counter: "ct"}.get(type(v), "d")
                return kind + "{" + ",".join(canon(k) + ":" + canon(x) for k, x in v.items()) + "}"
            data = sys.stdin.buffer.read()
            n = 0
            while n < len(data):
                size = struct.unpack_from("<I", data, n)[0]; n += 4
                print(canon(U(__import__("io").BytesIO(data[n:n + size])).load())); n += size
            """;
        using var input = new MemoryStream();
        foreach (var (tree, i) in trees.Select((t, i) => (t, i)))
        {
            var bytes = new PickleWriter(i % 2 == 0 ? 2 : 4).Write(tree);
            input.Write(BitConverter.GetBytes(bytes.Length));
            input.Write(bytes);
        }
        string? output = RunPython(script, input.ToArray());
        if (output is null) Assert.Skip("python3 is not on PATH (optional cross-check against Python's own pickle module)");
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(trees.Select(Canonical), lines);
    }

    private static object? RandomValue(Random rng, int depth, TorchZipWriter? writer, List<(PickleWriter.TensorRef, float[])>? tensors)
    {
        int choice = rng.Next(depth >= 4 ? 8 : 14);
        switch (choice)
        {
            case 0: return null;
            case 1: return rng.Next(2) == 0;
            case 2: return (long)rng.Next(-300, 70000);
            case 3: return rng.NextInt64(long.MinValue, long.MaxValue);
            case 4: return rng.NextDouble() * Math.Pow(10, rng.Next(-20, 20)) * (rng.Next(2) == 0 ? -1 : 1);
            case 5: return RandomString(rng);
            case 6: { var b = new byte[rng.Next(0, 40)]; rng.NextBytes(b); return b; }
            case 7: return new BigInteger(rng.NextInt64()) * new BigInteger(rng.NextInt64()) * 1000;
            case 8: return new PickleList(Enumerable.Range(0, rng.Next(0, 5)).Select(_ => RandomValue(rng, depth + 1, writer, tensors)));
            case 9: return new PickleTuple(Enumerable.Range(0, rng.Next(0, 6)).Select(_ => RandomValue(rng, depth + 1, writer, tensors)).ToArray());
            case 10: case 11:
            {
                var dict = new PickleDict(new[] { "dict", "collections.OrderedDict", "collections.Counter" }[rng.Next(3)]);
                for (int i = rng.Next(0, 5); i > 0; i--)
                    dict.Items[rng.Next(2) == 0 ? RandomString(rng) : (long)rng.Next(1000)] = RandomValue(rng, depth + 1, writer, tensors);
                return dict;
            }
            case 12:
            {
                var set = new PickleSet(rng.Next(2) == 0);
                foreach (long v in Enumerable.Range(0, rng.Next(0, 4)).Select(_ => (long)rng.Next(100)).Distinct()) set.Items.Add(v);
                return set;
            }
            default:
                if (writer is null || tensors is null) return RandomString(rng);
                var shape = Enumerable.Range(0, rng.Next(0, 4)).Select(_ => (long)rng.Next(1, 4)).ToArray();
                var values = Enumerable.Range(0, (int)shape.Aggregate(1L, (a, b) => a * b)).Select(_ => (float)rng.NextDouble()).ToArray();
                var r = writer.Float(values, shape);
                tensors.Add((r, values));
                return r;
        }
    }

    private static string RandomString(Random rng)
    {
        var chars = "abcXYZ_.0é漢🙂\n\"".EnumerateRunes().ToArray();
        var sb = new StringBuilder();
        for (int i = rng.Next(0, rng.Next(2) == 0 ? 8 : 300); i > 0; i--) sb.Append(chars[rng.Next(chars.Length)].ToString());
        return sb.ToString();
    }

    private static bool Same(object? written, object? read, List<(PickleWriter.TensorRef Ref, float[] Values)> tensors)
    {
        if (written is PickleWriter.TensorRef r)
            return read is TorchTensor t && t.Shape.SequenceEqual(r.Shape) && t.ToTensor().ToArray().SequenceEqual(tensors.Single(x => x.Ref == r).Values);
        if (written is PickleDict wd)
            return read is PickleDict rd && rd.Kind == wd.Kind && rd.Count == wd.Count
                && wd.Items.Zip(rd.Items).All(p => Equals(p.First.Key, p.Second.Key) && Same(p.First.Value, p.Second.Value, tensors));
        if (written is PickleList wl) return read is PickleList rl && rl.Count == wl.Count && wl.Zip(rl).All(p => Same(p.First, p.Second, tensors));
        if (written is PickleTuple wt) return read is PickleTuple rt && rt.Count == wt.Count && wt.Items.Zip(rt.Items).All(p => Same(p.First, p.Second, tensors));
        if (written is PickleSet ws) return read is PickleSet rs && rs.Frozen == ws.Frozen && rs.Items.SequenceEqual(ws.Items);
        if (written is byte[] wb) return read is byte[] rb && wb.AsSpan().SequenceEqual(rb);
        if (written is double wdbl) return read is double rdbl && BitConverter.DoubleToInt64Bits(wdbl) == BitConverter.DoubleToInt64Bits(rdbl);
        if (written is BigInteger big) return read is BigInteger rbig && big == rbig || read is long l && big == l;
        return Equals(written, read);
    }

    // The same canonical text as the Python script's canon().
    private static string Canonical(object? v) => v switch
    {
        null => "N",
        bool b => b ? "T" : "F",
        long l => "i" + l,
        BigInteger big => "i" + big,
        double d => "f" + BitConverter.DoubleToInt64Bits(d),
        string s => "s" + Convert.ToHexStringLower(Encoding.UTF8.GetBytes(s)),
        byte[] b => "b" + Convert.ToHexStringLower(b),
        PickleTuple t => "(" + string.Join(",", t.Items.Select(Canonical)) + ")",
        PickleList l => "[" + string.Join(",", l.Select(Canonical)) + "]",
        PickleSet s => (s.Frozen ? "fz" : "st") + "{" + string.Join(",", s.Items.Select(Canonical).Order(StringComparer.Ordinal)) + "}",
        PickleDict d => (d.Kind switch { "collections.OrderedDict" => "od", "collections.Counter" => "ct", _ => "d" })
            + "{" + string.Join(",", d.Items.Select(p => Canonical(p.Key) + ":" + Canonical(p.Value))) + "}",
        TorchTensor t => "tensor" + string.Join("x", t.Shape),
        PickleWriter.TensorRef r => "tensor" + string.Join("x", r.Shape),
        _ => v.ToString()!,
    };

    private static string? RunPython(string script, byte[] input)
    {
        try
        {
            var psi = new ProcessStartInfo("python3", ["-c", script]) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(psi)!;
            p.StandardInput.BaseStream.Write(input);
            p.StandardInput.Close();
            var stdout = p.StandardOutput.ReadToEndAsync();
            string stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, "python3 failed: " + stderr);
            return stdout.Result;
        }
        catch (System.ComponentModel.Win32Exception) { return null; }
    }
}
