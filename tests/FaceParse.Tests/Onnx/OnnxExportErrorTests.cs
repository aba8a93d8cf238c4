using FaceParse.Export.Onnx;
using FaceParse.Inference;
using FaceParse.Tests.Inference;

namespace FaceParse.Tests.Onnx;

/// <summary>What cannot be exported fails with an error naming it, and leaves no file behind.</summary>
public sealed class OnnxExportErrorTests
{
    [Fact]
    public void AnOperatorOutsideTheSupportedSetIsRefusedByName()
    {
        var graph = new OnnxGraph();
        string x = graph.Input("x", 1, 4);
        var e = Assert.Throws<OnnxExportException>(() => graph.Node("NonMaxSuppression", [x]));
        Assert.Contains("'NonMaxSuppression'", e.Message);
    }

    [Fact]
    public void AnArchitectureWithoutAnExporterIsRefusedByNameAndNothingIsWritten()
    {
        Architectures.TinyConvArchitecture.Registered();
        var model = SegmentationModel.CreateNew("test-tiny-conv-4", FaceParse.Labels.LabelSets.LaPa, 24, seed: 1);
        string dir = Directory.CreateTempSubdirectory("faceparse-onnx-").FullName;
        try
        {
            var e = Assert.Throws<OnnxExportException>(() => OnnxExport.Save(model, Path.Combine(dir, "m.onnx"), OnnxExportOptions.Square(24, 24)));
            Assert.Contains("'test-tiny-conv' has no ONNX exporter", e.Message);
            Assert.Contains("fp-liif", e.Message);
            Assert.Empty(Directory.GetFileSystemEntries(dir));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Theory]
    [InlineData(12)]
    [InlineData(22)]
    public void AnOpsetOutsideTheSupportedRangeIsRefused(int opset)
    {
        var e = Assert.Throws<OnnxExportException>(() => OnnxExport.ToBytes(TinyModels.Create(), OnnxExportOptions.Square(32, 32, opset)));
        Assert.Contains($"opset {opset}", e.Message);
    }

    [Theory]
    [InlineData("LayerNormalization", 16)]
    [InlineData("HardSwish", 13)]
    public void AnOperatorNewerThanTheOpsetIsRefusedNamingBoth(string op, int opset)
    {
        var graph = new OnnxGraph(opset);
        string x = graph.Input("x", 2, 4);
        var e = Assert.Throws<OnnxExportException>(() => op == "HardSwish" ? graph.HardSwish(x) : graph.LayerNormalization(x, x, x, 1e-5f));
        Assert.Contains(op, e.Message);
        Assert.Contains($"opset {opset}", e.Message);
        Assert.Empty(graph.Nodes);
    }

    [Theory]
    [InlineData(0, 32, "input height 0")]
    [InlineData(32, 0, "output height 0")]
    [InlineData(32, 9000, "output height 9000")]
    public void AbsurdSizesAreRefusedAndNoFileIsWritten(int size, int outSize, string named)
    {
        string dir = Directory.CreateTempSubdirectory("faceparse-onnx-").FullName;
        try
        {
            string path = Path.Combine(dir, "model.onnx");
            var e = Assert.Throws<OnnxExportException>(() => OnnxExport.Save(TinyModels.Create(), path, OnnxExportOptions.Square(size, outSize)));
            Assert.Contains(named, e.Message);
            Assert.Empty(Directory.GetFiles(dir));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void AnUnwritableDestinationLeavesNoPartialFile()
    {
        string dir = Directory.CreateTempSubdirectory("faceparse-onnx-").FullName;
        try
        {
            string path = Path.Combine(dir, "missing-folder", "model.onnx");
            Assert.Throws<IOException>(() => OnnxExport.Save(TinyModels.Create(), path, OnnxExportOptions.Square(32, 32)));
            Assert.Empty(Directory.GetFileSystemEntries(dir));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void SavingReplacesAnExistingFileWhole()
    {
        string dir = Directory.CreateTempSubdirectory("faceparse-onnx-").FullName;
        try
        {
            string path = Path.Combine(dir, "model.onnx");
            File.WriteAllText(path, "old");
            var model = TinyModels.Create();
            OnnxExport.Save(model, path, OnnxExportOptions.Square(32, 16));
            Assert.Equal(OnnxExport.ToBytes(model, OnnxExportOptions.Square(32, 16)), File.ReadAllBytes(path));
            Assert.Equal([path], Directory.GetFiles(dir));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
