using FaceParse.Export.Onnx;

namespace FaceParse.Tests.Onnx;

/// <summary>The wire format against the protobuf encoding guide's worked examples (field 1 = 150 → 08 96 01; "testing" in field
/// 2 → 12 07 74 65 73 74 69 6e 67; a nested message length-prefixed), and the ten-byte form of a negative int64.</summary>
public sealed class ProtoWriterTests
{
    [Fact]
    public void VarintFieldMatchesTheGuidesExample() =>
        Assert.Equal([0x08, 0x96, 0x01], new ProtoWriter().Int(1, 150).ToArray());

    [Fact]
    public void StringFieldMatchesTheGuidesExample() =>
        Assert.Equal([0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67], new ProtoWriter().String(2, "testing").ToArray());

    [Fact]
    public void NestedMessageIsLengthPrefixed() =>
        Assert.Equal([0x1a, 0x03, 0x08, 0x96, 0x01], new ProtoWriter().Message(3, m => m.Int(1, 150)).ToArray());

    [Fact]
    public void NegativeInt64TakesTenBytes() =>
        Assert.Equal([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], new ProtoWriter().Int(1, -1).ToArray());

    [Fact]
    public void FloatFieldIsFixed32LittleEndian() =>
        Assert.Equal([0x15, 0x00, 0x00, 0x80, 0x3f], new ProtoWriter().Float(2, 1f).ToArray()); // tag (2 << 3) | 5, then 1.0f

    [Fact]
    public void RawDataIsLittleEndian()
    {
        Assert.Equal([0x00, 0x00, 0x80, 0x3f], ProtoWriter.LittleEndian([1f]));
        Assert.Equal([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], ProtoWriter.LittleEndian([-1L]));
    }
}
