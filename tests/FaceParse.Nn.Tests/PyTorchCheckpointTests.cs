using FaceParse.Tensors;
using FaceParse.Tensors.Serialization.PyTorch;
using FaceParse.Tensors.Tests.Checkpoints;

namespace FaceParse.Nn.Tests;

/// <summary>Modules built from PyTorch .pt files by key path, and the report a mismatched checkpoint gives.</summary>
public sealed class PyTorchCheckpointTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("faceparse-pt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // x [..., 3] → [..., 1]
    private sealed class TwoLayer : Module
    {
        public TwoLayer(VarBuilder vb)
        {
            A = Child(vb, "a", v => new Linear(v, 3, 2));
            B = Child(vb, "b", v => new Linear(v, 2, 1, bias: false));
        }

        public Linear A { get; }
        public Linear B { get; }
    }

    private string Save(params (string Key, float[] Values, long[] Shape)[] tensors)
    {
        string path = Path.Combine(_dir, $"{Guid.NewGuid():N}.pt");
        var writer = new TorchZipWriter();
        var inner = new PickleDict("collections.OrderedDict");
        foreach (var (key, values, shape) in tensors) inner.Items[key] = writer.Float(values, shape);
        var root = new PickleDict("dict");
        root.Items["state_dict"] = inner;
        root.Items["epoch"] = 3L;
        writer.Save(path, root);
        return path;
    }

    [Fact]
    public void AModuleLoadsFromATrainingCheckpointByKeyPath()
    {
        string path = Save(("module.a.weight", [1, 2, 3, 4, 5, 6], [2, 3]), ("module.a.bias", [7, 8], [2]), ("module.b.weight", [9, 10], [1, 2]));
        Assert.True(StateDicts.IsPyTorch(path));
        var state = StateDicts.Load(path, stripPrefix: "module.");
        var model = StateDicts.Build(state, v => new TwoLayer(v));
        Assert.Equal([1f, 2, 3, 4, 5, 6], model.A.Weight.ToArray());
        Assert.Equal([7f, 8], model.A.Bias!.ToArray());
        Assert.Equal([9f, 10], model.B.Weight.ToArray());
        Assert.Equal("a.weight", model.A.Weight.Name);
    }

    [Fact]
    public void EveryMismatchIsListedAtOnceWithBothShapes()
    {
        string path = Save(("a.weight", [1, 2, 3, 4, 5, 6], [3, 2]), ("b.weight", [9, 10], [1, 2]), ("c.extra", [0], [1]));
        var state = StateDicts.LoadPyTorch(path, key: "state_dict");
        var e = Assert.Throws<InvalidDataException>(() => StateDicts.Build(state, v => new TwoLayer(v)));
        Assert.Contains("missing keys (1): 'a.bias' [2]", e.Message);
        Assert.Contains("unexpected keys (1): c.extra", e.Message);
        Assert.Contains("'a.weight': checkpoint has shape [3, 2], the model expects [2, 3]", e.Message);
        var lenient = Assert.Throws<InvalidDataException>(() => StateDicts.Build(state, v => new TwoLayer(v), strict: false));
        Assert.DoesNotContain("c.extra", lenient.Message);
    }

    [Fact]
    public void AMissingStateDictKeyIsATypedError()
    {
        string path = Save(("a.bias", [7, 8], [2]));
        Assert.Contains("no 'optimizer'", Assert.Throws<InvalidDataException>(() => StateDicts.LoadPyTorch(path, key: "optimizer")).Message);
    }

    [Fact]
    public void MtcnnPnetWeightsLoadIntoLayersOfTheirShape()
    {
        var state = StateDicts.Load(SharedFixtures.PathOf("mtcnn/pnet.pt"));
        var conv = new Conv2d(VarBuilder.From(state).Sub("conv1"), 3, 10, 3);
        var raw = TorchCheckpoint.Load(SharedFixtures.PathOf("mtcnn/pnet.pt")).StateDict()["conv1.weight"];
        // weight[o=1, i=0, 0, 0] is storage element offset + 1·stride[0].
        Assert.Equal(BitConverter.ToSingle(raw.Storage.Bytes!, (int)(4 * (raw.StorageOffset + raw.Stride[0]))), conv.Weight[1, 0, 0, 0]);
        Assert.Equal([10, 3, 3, 3], conv.Weight.Shape);
    }
}
