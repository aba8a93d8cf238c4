using System.Buffers.Binary;
using System.Text.Json;
using FaceParse.Tensors.Serialization;
using FaceParse.Tensors.Serialization.PyTorch;
using FaceParse.Tensors.Tests.Checkpoints;

namespace FaceParse.Cli.Tests;

/// <summary>`faceparse inspect` and `faceparse convert` on real PyTorch files and on hostile ones.</summary>
[Collection("cli")]
public sealed class CheckpointCommandsTests : IDisposable
{
    private const string Marker = "/tmp/faceparse-hostile-marker";
    private readonly string _dir = Directory.CreateTempSubdirectory("fp-ckpt-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void InspectListsEveryOnetTensor()
    {
        var (exit, stdout, stderr) = CliHarness.Run("inspect", SharedFixtures.PathOf("mtcnn/onet.pt"));
        Assert.True(exit == 0, stderr);
        Assert.Contains("legacy", stdout);
        Assert.Contains("dense6_3.weight [10, 256] float32", stdout);
        Assert.Contains("conv1.weight [32, 3, 3, 3] float32 stride [1, 32, 96, 288]", stdout);
        Assert.Contains("torch._utils._rebuild_tensor_v2", stdout);
        foreach (var e in FixtureExpectations.Tensors.Where(t => t.File == "mtcnn/onet.pt"))
            Assert.Contains($"  {e.Key} [{string.Join(", ", e.Shape)}] float32", stdout);
    }

    [Fact]
    public void InspectJsonHasShapesDtypesGlobalsAndOpcodes()
    {
        var (exit, stdout, stderr) = CliHarness.Run("inspect", SharedFixtures.PathOf("pytorch-checkpoints/tensors.pth"), "--json");
        Assert.True(exit == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.Equal("zip", root.GetProperty("format").GetString());
        Assert.Contains("torch.LongStorage", root.GetProperty("globals").EnumerateArray().Select(g => g.GetString()));
        Assert.True(root.GetProperty("opcodes").GetProperty("BINPERSID").GetInt32() == 2);
        var arr2d = root.GetProperty("tensors").EnumerateArray().Single(t => t.GetProperty("key").GetString() == "arr_2d");
        Assert.Equal([2, 3], arr2d.GetProperty("shape").EnumerateArray().Select(x => x.GetInt32()));
        Assert.Equal("int64", arr2d.GetProperty("dtype").GetString());
    }

    // The safetensors written equal the raw storage elements at offset + Σ index·stride, read here from the .pt bytes.
    [Theory]
    [InlineData("mtcnn/onet.pt")]
    [InlineData("mtcnn/pnet.pt")]
    public void ConvertWritesTheStridedStorages(string relative)
    {
        string source = SharedFixtures.PathOf(relative), target = Path.Combine(_dir, "out.safetensors");
        var (exit, _, stderr) = CliHarness.Run("convert", "--from", source, "--to", target);
        Assert.True(exit == 0, stderr);
        var written = SafeTensors.Load(target).Tensors;
        var expected = FixtureExpectations.Tensors.Where(t => t.File == relative).ToList();
        Assert.Equal(expected.Select(e => e.Key).Order(), written.Keys.Order());
        byte[] file = File.ReadAllBytes(source);
        foreach (var e in expected)
        {
            var t = written[e.Key];
            Assert.Equal(e.Shape.Select(d => (int)d), t.Shape);
            var values = t.ToArray();
            long count = e.Shape.Aggregate(1L, (a, b) => a * b);
            for (long n = 0; n < count; n++)
            {
                long rest = n, pos = e.Offset;
                for (int d = e.Shape.Length - 1; d >= 0; d--) { pos += rest % e.Shape[d] * e.Stride[d]; rest /= e.Shape[d]; }
                Assert.Equal(BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan((int)(e.FileStart + 4 * pos))), values[n]);
            }
        }
    }

    [Fact]
    public void ConvertPicksAKeyAndStripsAPrefix()
    {
        var writer = new TorchZipWriter("model_299");
        var inner = new PickleDict("collections.OrderedDict");
        inner.Items["module.backbone.weight"] = writer.Float([1, 2, 3, 4, 5, 6], 2, 3);
        inner.Items["module.head.bias"] = writer.Float([7, 8], 2);
        var counter = new PickleDict("collections.Counter");
        counter.Items[30L] = 1L;
        var root = new PickleDict("dict");
        root.Items["epoch"] = 299L;
        root.Items["state_dict_backbone"] = inner;
        root.Items["scheduler"] = new PickleDict("dict") { Items = { ["milestones"] = counter } };
        string source = Path.Combine(_dir, "model_299.pt"), target = Path.Combine(_dir, "m.safetensors");
        writer.Save(source, root);

        var (exit, _, stderr) = CliHarness.Run("convert", "--from", source, "--to", target, "--strip-prefix", "module.");
        Assert.True(exit == 0, stderr);
        var tensors = SafeTensors.Load(target).Tensors;
        Assert.Equal(["backbone.weight", "head.bias"], tensors.Keys.Order());
        Assert.Equal([1f, 2, 3, 4, 5, 6], tensors["backbone.weight"].ToArray());

        (exit, _, stderr) = CliHarness.Run("convert", "--from", source, "--to", target + "2", "--key", "optimizer");
        Assert.Equal(1, exit);
        Assert.Contains("no 'optimizer'", stderr);
        Assert.Contains("state_dict_backbone", stderr);
        Assert.False(File.Exists(target + "2"));
    }

    public static TheoryData<string> HostileFiles => new(Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "Checkpoints", "Hostile"), "*.pt")
        .Select(Path.GetFileName).Where(n => n != "zip_bomb_lying_header.pt").Order()!);

    [Theory]
    [MemberData(nameof(HostileFiles))]
    public void EveryHostileFileIsRefusedInOneLineAndLosesNothing(string name)
    {
        string source = Path.Combine(AppContext.BaseDirectory, "Checkpoints", "Hostile", name);
        string target = Path.Combine(_dir, "existing.safetensors");
        File.WriteAllText(target, "previous content");
        File.Delete(Marker);
        foreach (var args in new[] { new[] { "inspect", source }, ["inspect", source, "--json"], ["convert", "--from", source, "--to", target] })
        {
            var (exit, stdout, stderr) = CliHarness.Run(args);
            Assert.Equal(1, exit);
            Assert.Equal("", stdout);
            Assert.StartsWith("faceparse: error: ", stderr);
            Assert.Single(stderr.TrimEnd('\n').Split('\n'));
        }
        Assert.False(File.Exists(Marker), "a hostile checkpoint ran code");
        Assert.Equal("previous content", File.ReadAllText(target));
        Assert.Equal([target], Directory.GetFiles(_dir));
    }
}
