using System.Text.Json.Nodes;
using FaceParse.Inference;
using FaceParse.Labels;
using FaceParse.Tensors;
using FaceParse.Tensors.Serialization;

namespace FaceParse.Tests.Inference;

/// <summary>Model files with bad metadata or contents (issue 13, items 2 and 3): each load ends in one
/// <see cref="InvalidDataException"/> that says what is wrong, never a crash later or a model that parses garbage.</summary>
public sealed class HostileModelFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("faceparse-hostile-model-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static byte[] Edited(Action<JsonObject> editDescription, Action<Dictionary<string, Tensor>>? editWeights = null, LabelSet? labels = null) =>
        HostileModels.Edited(editDescription, editWeights, labels);

    private static void EditConfig(JsonObject description, Action<JsonObject> edit)
    {
        var config = JsonNode.Parse((string)description["config_json"]!)!.AsObject();
        edit(config);
        description["config_json"] = config.ToJsonString();
    }

    private static InvalidDataException Rejected(byte[] bytes, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => SegmentationModel.Load(new MemoryStream(bytes), "hostile.safetensors"));
        Assert.Contains(expected, e.Message);
        return e;
    }

    public static TheoryData<string, string> BadDescriptions() => new()
    {
        { "labels=nonexistent", "label set" }, { "labels=", "label set" }, { "labels=null", "labels" },
        { "name=null", "name" }, { "architecture=null", "architecture" }, { "labels_version=null", "labels_version" },
        { "config_json=null", "config_json" }, { "input_size=2147483647", "input size" }, { "input_size=0", "input size" },
        { "input_size=7", "input size" }, { "input_size=4097", "input size" }, { "input_size=-5", "input size" },
    };

    [Theory]
    [MemberData(nameof(BadDescriptions))]
    public void BadDescriptionFieldsAreInvalidData(string edit, string expected)
    {
        var (key, value) = (edit[..edit.IndexOf('=')], edit[(edit.IndexOf('=') + 1)..]);
        byte[] bytes = Edited(d => d[key] = value == "null" ? null : int.TryParse(value, out int n) ? JsonValue.Create(n) : JsonValue.Create(value));
        Rejected(bytes, expected);
    }

    [Theory]
    [InlineData("blocks_per_group")]
    [InlineData("down_strides")]
    [InlineData("input_mean")]
    [InlineData("input_std")]
    [InlineData("name")]
    public void NullConfigFieldsAreInvalidData(string field)
    {
        Rejected(Edited(d => EditConfig(d, c => c[field] = null)), field);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void NonFiniteWeightsAreRefusedAtLoad(float bad)
    {
        string? victim = null;
        byte[] bytes = Edited(_ => { }, w =>
        {
            victim = w.Keys.Order(StringComparer.Ordinal).Last();
            w[victim].Span[0] = bad;
        });
        var e = Rejected(bytes, "non-finite");
        Assert.Contains(victim!, e.Message);
    }

    [Fact]
    public void LabelCountMustMatchTheOutputChannels()
    {
        byte[] bytes = Edited(d => d["labels"] = "lapa", labels: LabelSets.CelebAMaskHq); // 19 outputs, 11 labels
        Rejected(bytes, "19");
    }

    [Fact]
    public void ValidFilesStillLoad()
    {
        var model = SegmentationModel.Load(new MemoryStream(Edited(_ => { })), "ok.safetensors");
        Assert.Equal(TinyModels.InputSize, model.InputSize);
    }
}
