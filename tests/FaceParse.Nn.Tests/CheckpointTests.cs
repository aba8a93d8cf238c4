using System.Buffers.Binary;
using System.Text;
using FaceParse.Tensors;
using FaceParse.Tensors.Serialization;

namespace FaceParse.Nn.Tests;

/// <summary>Saving a model's state dict as safetensors and loading it back, through <see cref="VarBuilder.From"/> and
/// through <see cref="Module.LoadStateDict"/>, and the errors a mismatched checkpoint raises.</summary>
public sealed class CheckpointTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("faceparse-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Every layer family with state: conv, batch norm (buffers), layer norm 2d, transposed conv, pooling, MLP.</summary>
    // x [N, 3, 8, 8] → [N, 4, 8, 8, 2]
    private sealed class SmallNet : Module, IModule
    {
        public SmallNet(VarBuilder vb)
        {
            Stem = Child(vb, "stem", v => new Sequential(new Conv2d(v.Sub(0), 3, 6, 3, padding: 1), new BatchNorm2d(v.Sub(1), 6), new Relu(), new MaxPool2d(2)));
            Norm = Child(vb, "norm", v => new LayerNorm2d(v, 6));
            Up = Child(vb, "up", v => new ConvTranspose2d(v, 6, 4, 2, stride: 2));
            Head = Child(vb, "head", v => new Mlp(v, 8, 5, 2, 2));
        }

        public Sequential Stem { get; }
        public LayerNorm2d Norm { get; }
        public ConvTranspose2d Up { get; }
        public Mlp Head { get; }

        public Tensor Forward(Tensor x) => Head.Forward(Up.Forward(Norm.Forward(Stem.Forward(x))).Gelu());
    }

    private static readonly Tensor X = Tensor.Uniform(new Random(1), -1, 1, 2, 3, 8, 8);

    // A model whose running statistics have moved (two training batches), in eval mode.
    private static SmallNet Trained()
    {
        var model = new SmallNet(VarBuilder.Init(1));
        model.Forward(X);
        model.Forward(X * 2f);
        model.Eval();
        return model;
    }

    private string SaveToFile(Module model)
    {
        string path = Path.Combine(_dir, "model.safetensors");
        StateDicts.Save(path, model);
        return path;
    }

    [Fact]
    public void SavedStateDictReloadsBitwiseThroughVarBuilderAndLoadStateDict()
    {
        var original = Trained();
        float[] expected = original.Forward(X).ToArray();
        var state = StateDicts.Load(SaveToFile(original));
        Assert.Equal(original.StateDict().Keys.Order(), state.Keys.Order());
        Assert.Equal(2f, state["stem.1.num_batches_tracked"].ToScalar());

        var vb = VarBuilder.From(state);
        var built = new SmallNet(vb);
        Assert.Empty(vb.UnusedKeys());
        built.Eval();
        Assert.Equal(expected, built.Forward(X).ToArray());
        var strictBuilt = StateDicts.Build(state, v => new SmallNet(v));
        strictBuilt.Eval();
        Assert.Equal(expected, strictBuilt.Forward(X).ToArray());

        var resumed = new SmallNet(VarBuilder.Init(99));
        resumed.Eval();
        Assert.NotEqual(expected, resumed.Forward(X).ToArray());
        var result = resumed.LoadStateDict(state);
        Assert.Empty(result.MissingKeys);
        Assert.Empty(result.UnexpectedKeys);
        Assert.Equal(expected, resumed.Forward(X).ToArray());
        foreach (var (key, t) in original.StateDict()) Assert.Equal(t.ToArray(), resumed.StateDict()[key].ToArray());
    }

    private static Dictionary<string, Tensor> StateOf(Module model) => model.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.Clone());

    [Fact]
    public void WrongShapeNamesTheKey()
    {
        var state = StateOf(Trained());
        state["up.weight"] = Tensor.Zeros(6, 4, 3, 3);
        Assert.Contains("'up.weight'", Assert.Throws<InvalidDataException>(() => new SmallNet(VarBuilder.From(state))).Message);
        var e = Assert.Throws<InvalidDataException>(() => new SmallNet(VarBuilder.Init(2)).LoadStateDict(state));
        Assert.Contains("'up.weight'", e.Message);
        Assert.Contains("[6, 4, 3, 3]", e.Message);
    }

    [Fact]
    public void MissingKeyNamesTheKey()
    {
        var state = StateOf(Trained());
        state.Remove("stem.1.running_var");
        Assert.Contains("'stem.1.running_var'", Assert.Throws<KeyNotFoundException>(() => new SmallNet(VarBuilder.From(state))).Message);
        Assert.Contains("stem.1.running_var", Assert.Throws<InvalidDataException>(() => new SmallNet(VarBuilder.Init(2)).LoadStateDict(state)).Message);
        var lenient = new SmallNet(VarBuilder.Init(2)).LoadStateDict(state, strict: false);
        Assert.Equal(["stem.1.running_var"], lenient.MissingKeys);
    }

    [Fact]
    public void UnexpectedKeyNamesTheKey()
    {
        var state = StateOf(Trained());
        state["head.layers.2.weight"] = Tensor.Zeros(2, 5);
        Assert.Contains("head.layers.2.weight", Assert.Throws<InvalidDataException>(() => new SmallNet(VarBuilder.Init(2)).LoadStateDict(state)).Message);
        Assert.Contains("head.layers.2.weight", Assert.Throws<InvalidDataException>(() => StateDicts.Build(state, v => new SmallNet(v))).Message);
        var vb = VarBuilder.From(state);
        _ = new SmallNet(vb);
        Assert.Equal(["head.layers.2.weight"], vb.UnusedKeys());
    }

    [Fact]
    public void LoadStripsAPrefixAndRejectsCollisions()
    {
        var state = StateOf(Trained());
        string path = Path.Combine(_dir, "ddp.safetensors");
        SafeTensors.Save(path, state.ToDictionary(kv => "module." + kv.Key, kv => kv.Value));
        var stripped = StateDicts.Load(path, stripPrefix: "module.");
        Assert.Equal(state.Keys.Order(), stripped.Keys.Order());

        SafeTensors.Save(path, new Dictionary<string, Tensor> { ["module.a"] = Tensor.Zeros(1), ["a"] = Tensor.Ones(1) });
        Assert.Contains("'a'", Assert.Throws<InvalidDataException>(() => StateDicts.Load(path, "module.")).Message);
    }

    // A file as torch writes it: float32 parameters and an int64 0-d num_batches_tracked.
    [Fact]
    public void TorchStyleInt64CounterLoadsIntoBatchNorm()
    {
        float[] weight = [0.5f, 2f], bias = [0.1f, -0.1f], mean = [0.2f, -0.3f], var = [1.5f, 0.25f];
        var tensors = new (string Name, string Dtype, int[] Shape, byte[] Bytes)[]
        {
            ("bn.bias", "F32", [2], Floats(bias)),
            ("bn.num_batches_tracked", "I64", [], BitConverter.GetBytes(123L)),
            ("bn.running_mean", "F32", [2], Floats(mean)),
            ("bn.running_var", "F32", [2], Floats(var)),
            ("bn.weight", "F32", [2], Floats(weight)),
        };
        string path = Path.Combine(_dir, "torch.safetensors");
        WriteRaw(path, tensors);
        var bn = new BatchNorm2d(VarBuilder.From(StateDicts.Load(path)).Sub("bn"), 2);
        Assert.Equal(123f, bn.NumBatchesTracked.ToScalar());
        Assert.Equal(var, bn.RunningVar.ToArray());
        Assert.Equal(weight, bn.Weight!.ToArray());
    }

    private static byte[] Floats(float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        return bytes;
    }

    private static void WriteRaw(string path, (string Name, string Dtype, int[] Shape, byte[] Bytes)[] tensors)
    {
        var entries = new List<string>();
        long offset = 0;
        foreach (var (name, dtype, shape, bytes) in tensors)
        {
            entries.Add($"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":[{string.Join(",", shape)}],\"data_offsets\":[{offset},{offset + bytes.Length}]}}");
            offset += bytes.Length;
        }
        byte[] header = Encoding.UTF8.GetBytes("{" + string.Join(",", entries) + "}");
        using var file = File.Create(path);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        file.Write(length);
        file.Write(header);
        foreach (var t in tensors) file.Write(t.Bytes);
    }
}
