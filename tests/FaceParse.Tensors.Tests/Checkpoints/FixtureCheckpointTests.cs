using System.Buffers.Binary;
using System.IO.Compression;
using FaceParse.Tensors.Serialization.PyTorch;

namespace FaceParse.Tensors.Tests.Checkpoints;

/// <summary>Real files written by PyTorch (shared/fixtures): every key, shape, dtype and stride must match what Python's own
/// pickle module read (FixtureExpectations.cs), and every value must equal the raw storage element at offset + Σ index·stride,
/// read here straight from the zip entry or the legacy file bytes.</summary>
public sealed class FixtureCheckpointTests
{
    public static TheoryData<string> Files => new(FixtureExpectations.Tensors.Select(t => t.File).Distinct());

    [Theory]
    [MemberData(nameof(Files))]
    public void EveryKeyShapeStrideAndValueMatchesTheRawStorage(string relative)
    {
        string path = SharedFixtures.PathOf(relative);
        var checkpoint = TorchCheckpoint.Load(path);
        Assert.Equal(relative.EndsWith(".pth", StringComparison.Ordinal) ? CheckpointFormat.Zip : CheckpointFormat.Legacy, checkpoint.Format);
        var expected = FixtureExpectations.Tensors.Where(t => t.File == relative).ToList();
        var actual = PickleTree.Tensors(checkpoint.Root).ToList();
        Assert.Equal(expected.Select(e => e.Key), actual.Select(a => a.Path));
        byte[] file = File.ReadAllBytes(path);
        foreach (var (e, (_, t)) in expected.Zip(actual))
        {
            Assert.Equal(e.Shape, t.Shape);
            Assert.Equal(e.Stride, t.Stride);
            Assert.Equal(e.Offset, t.StorageOffset);
            Assert.Equal(e.Storage, t.Storage.Key);
            Assert.Equal(e.DType == "Long" ? TorchDType.Int64 : TorchDType.Float32, t.DType);
            byte[] raw = e.FileStart >= 0 ? file[(int)e.FileStart..] : ZipStorage(path, e.Storage);
            var positions = RowMajorPositions(e.Shape, e.Stride, e.Offset);
            var values = t.ToTensor().ToArray();
            Assert.Equal(positions.Length, values.Length);
            if (e.DType == "Long")
            {
                var exact = t.ToInt64Array();
                for (int i = 0; i < positions.Length; i++)
                {
                    long want = BinaryPrimitives.ReadInt64LittleEndian(raw.AsSpan((int)positions[i] * 8));
                    Assert.Equal(want, exact[i]);
                    Assert.Equal((float)want, values[i]);
                }
            }
            else
            {
                for (int i = 0; i < positions.Length; i++)
                    Assert.Equal(BinaryPrimitives.ReadSingleLittleEndian(raw.AsSpan((int)positions[i] * 4)), values[i]);
            }
        }
    }

    [Fact]
    public void OnetHoldsTheMtcnnOutputLayersAndIsNonContiguous()
    {
        var checkpoint = TorchCheckpoint.Load(SharedFixtures.PathOf("mtcnn/onet.pt"));
        var state = checkpoint.StateDict();
        Assert.Equal(21, state.Count);
        Assert.Equal([10L, 256], state["dense6_3.weight"].Shape);
        Assert.Equal([1L, 32, 96, 288], state["conv1.weight"].Stride);
        Assert.Same(checkpoint.Root, checkpoint.FindStateDict());
        Assert.Equal(["collections.OrderedDict", "torch.FloatStorage", "torch._utils._rebuild_tensor_v2"], checkpoint.Globals);
        // Element [1,0,0,0] sits one float after [0,0,0,0] in the storage (stride 1 along the output channel).
        var w = state["conv1.weight"];
        Assert.Equal(BitConverter.ToSingle(w.Storage.Bytes!, 4), w.ToTensor()[1, 0, 0, 0]);
    }

    [Fact]
    public void ModuleStateDictKeepsItsMetadataAttribute()
    {
        var checkpoint = TorchCheckpoint.Load(SharedFixtures.PathOf("pytorch-checkpoints/module_load.pth"));
        var root = Assert.IsType<PickleDict>(checkpoint.Root);
        Assert.Equal("collections.OrderedDict", root.Kind);
        var metadata = Assert.IsType<PickleDict>(root.Attributes["_metadata"]);
        Assert.True(metadata.TryGetValue("", out var top));
        Assert.Equal(1L, Assert.IsType<PickleDict>(top).Items["version"]);
    }

    [Fact]
    public void AdamWParamGroupsArePlainValues()
    {
        var checkpoint = TorchCheckpoint.Load(SharedFixtures.PathOf("pytorch-checkpoints/adamw_load.pth"));
        var root = Assert.IsType<PickleDict>(checkpoint.Root);
        var groups = Assert.IsType<PickleList>(root.Items["param_groups"]);
        Assert.Equal(2, groups.Count);
        var first = Assert.IsType<PickleDict>(groups[0]);
        Assert.Equal(0.001, first.Items["lr"]);
        Assert.Equal(new PickleTuple([0.8, 0.9]), first.Items["betas"]);
        Assert.Equal(false, first.Items["amsgrad"]);
        Assert.Null(first.Items["foreach"]);
        Assert.Equal([0L, 1L], Assert.IsType<PickleList>(first.Items["params"]));
        Assert.Equal(true, Assert.IsType<PickleDict>(groups[1]).Items["amsgrad"]);
        var state = Assert.IsType<PickleDict>(root.Items["state"]);
        Assert.Equal([0L, 1L, 2L, 3L], state.Items.Keys);
    }

    [Fact]
    public void InspectingReadsNoStorageBytes()
    {
        var checkpoint = TorchCheckpoint.Load(SharedFixtures.PathOf("mtcnn/rnet.pt"), readData: false);
        Assert.False(checkpoint.HasData);
        Assert.All(checkpoint.Storages, s => Assert.Null(s.Bytes));
        Assert.Throws<InvalidOperationException>(() => checkpoint.ToTensors());
    }

    // Element positions in row-major order, computed from the linear index (independent of the reader's odometer walk).
    private static long[] RowMajorPositions(long[] shape, long[] stride, long offset)
    {
        long count = shape.Aggregate(1L, (a, b) => a * b);
        var result = new long[count];
        for (long n = 0; n < count; n++)
        {
            long rest = n, pos = offset;
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                pos += rest % shape[d] * stride[d];
                rest /= shape[d];
            }
            result[n] = pos;
        }
        return result;
    }

    private static byte[] ZipStorage(string path, string key)
    {
        using var zip = ZipFile.OpenRead(path);
        var entry = zip.Entries.Single(e => e.FullName.EndsWith("/data/" + key, StringComparison.Ordinal));
        using var s = entry.Open();
        using var m = new MemoryStream();
        s.CopyTo(m);
        return m.ToArray();
    }
}
