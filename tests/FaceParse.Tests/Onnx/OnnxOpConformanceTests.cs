using FaceParse.Export.Onnx;
using FaceParse.OnnxRuntime;
using FaceParse.Tensors;

namespace FaceParse.Tests.Onnx;

/// <summary>Every operator our exporters emit, as a one-node graph run by ONNX Runtime (graph optimisations off, so the node
/// runs as written) against the same operation in our engine, over a table of shapes and attributes.</summary>
public sealed class OnnxOpConformanceTests
{
    // One case: the operator, input shapes, the node as the exporter writes it, and our engine's operation.
    private sealed record Case(string Op, int[][] Shapes, Func<OnnxGraph, string[], string> Node, Func<Tensor[], Tensor> Ours, int Opset = OnnxOps.DefaultOpset)
    {
        /// <summary>Inputs are uniform in ±InputScale (wide enough to reach the saturating parts of the activations).</summary>
        public float InputScale { get; init; } = 1f;
    }

    // Conv geometries: batch, cin, h, w, cout, k, stride, pad, dilation, groups, bias (the former node cross-check's table and more)
    private static readonly int[][] ConvGeometries =
    [
        [1, 64, 33, 47, 64, 3, 1, 1, 1, 1, 1],  // the encoders' 3×3, ragged width
        [2, 8, 20, 40, 16, 3, 2, 1, 1, 1, 1],   // batch 2, stride 2
        [1, 6, 19, 37, 9, 3, 1, 2, 2, 1, 1],    // dilation 2
        [1, 8, 12, 40, 12, 3, 1, 1, 1, 2, 1],   // 2 groups
        [1, 16, 18, 36, 16, 3, 1, 1, 1, 16, 1], // depthwise
        [1, 24, 9, 35, 10, 1, 1, 0, 1, 1, 1],   // 1×1 as GEMM
        [1, 3, 11, 13, 5, 5, 1, 2, 1, 1, 1],    // narrow rows: im2col path
        [2, 16, 15, 15, 32, 3, 2, 1, 1, 1, 0],  // strided, no bias
    ];

    private static readonly Dictionary<string, Case> Cases = Build();

    private static Dictionary<string, Case> Build()
    {
        var cases = new Dictionary<string, Case>();
        foreach (var c in ConvGeometries)
        {
            int n = c[0], cin = c[1], h = c[2], w = c[3], cout = c[4], k = c[5], s = c[6], p = c[7], d = c[8], groups = c[9];
            bool bias = c[10] == 1;
            int[][] shapes = bias ? [[n, cin, h, w], [cout, cin / groups, k, k], [cout]] : [[n, cin, h, w], [cout, cin / groups, k, k]];
            cases[$"Conv {string.Join(",", c)}"] = new("Conv", shapes,
                (g, i) => g.Conv(i[0], i[1], bias ? i[2] : null, k, s, p, d, groups),
                t => t[0].Conv2d(t[1], bias ? t[2] : null, s, p, d, groups));
        }
        foreach (int[] shape in new[] { new[] { 2, 3, 4, 5 }, [7], [3, 1000] })
            cases[$"Relu [{string.Join(",", shape)}]"] = new("Relu", [shape], (g, i) => g.Relu(i[0]), t => t[0].Relu());
        int[][][] pairs = [[[2, 3, 4, 5], [1, 3, 1, 1]], [[2, 8, 6], [8, 1]], [[2, 4, 3, 5], [3, 1]], [[4, 5], [5]], [[2, 3, 4, 5], [2, 3, 4, 5]], [[16, 7, 1], [16, 1, 9]]];
        foreach (var pair in pairs)
        {
            string shapes = string.Join(" ", pair.Select(s => $"[{string.Join(",", s)}]"));
            cases[$"Add {shapes}"] = new("Add", pair, (g, i) => g.Add(i[0], i[1]), t => t[0].Add(t[1]));
            cases[$"Sub {shapes}"] = new("Sub", pair, (g, i) => g.Sub(i[0], i[1]), t => t[0].Sub(t[1]));
            cases[$"Mul {shapes}"] = new("Mul", pair, (g, i) => g.Mul(i[0], i[1]), t => t[0].Mul(t[1]));
            cases[$"Div {shapes}"] = new("Div", pair, (g, i) => g.Div(i[0], i[1]), t => t[0].Div(t[1]));
        }
        int[][][] matmuls = [[[6, 4], [4, 3]], [[5, 7], [2, 7, 9]], [[2, 3, 4], [2, 4, 6]], [[19, 64], [1, 64, 300]], [[3, 2, 5], [5, 4]]];
        foreach (var pair in matmuls)
            cases[$"MatMul [{string.Join(",", pair[0])}]·[{string.Join(",", pair[1])}]"] = new("MatMul", pair, (g, i) => g.MatMul(i[0], i[1]), t => t[0].MatMul(t[1]));
        foreach (var (m, kk, nn) in new[] { (3, 5, 4), (2, 64, 128), (1, 7, 1) })
            cases[$"Gemm transB {m}x{kk}x{nn}"] = new("Gemm", [[m, kk], [nn, kk], [nn]], (g, i) => g.Linear(i[0], i[1], i[2]), t => Tensor.Linear(t[0], t[1], t[2]));
        foreach (var (axis, index) in new[] { (2, new long[] { 0, 0, 3, 4, 2, 4 }), (3, new long[] { 5, 1, 1, 0 }), (1, new long[] { 2 }), (0, new long[] { 1, 0, 1 }) })
            cases[$"Gather axis {axis} [{string.Join(",", index)}]"] = new("Gather", [[2, 3, 5, 6]],
                (g, i) => g.Gather(i[0], g.Constant("index", index, index.Length), axis),
                t => t[0].IndexSelect(axis, new IntTensor([.. index.Select(v => (int)v)], index.Length)));
        foreach (var (shape, target, ours) in new[] { (new[] { 2, 3, 4 }, new long[] { 0, -1 }, new[] { 2, 12 }), ([2, 3, 4], [0, 4, 3], [2, 4, 3]), ([2, 6, 5], [0, 6, 5, 1], [2, 6, 5, 1]), ([12], [3, 1, 4], [3, 1, 4]) })
            cases[$"Reshape [{string.Join(",", shape)}]→[{string.Join(",", target)}]"] = new("Reshape", [shape], (g, i) => g.Reshape(i[0], target), t => t[0].Reshape(ours));
        foreach (int opset in new[] { 17, 18 })
            foreach (int[] shape in new[] { new[] { 2, 5, 7, 9 }, [1, 64, 64, 64] })
                cases[$"ReduceMean opset {opset} [{string.Join(",", shape)}] axes 2,3"] = new("ReduceMean", [shape], (g, i) => g.ReduceMean(i[0], [2, 3]), t => t[0].Mean([2, 3]), opset);
        SegFaceOperators(cases);
        return cases;
    }

    // The operators the SegFace exporter added, each against the torch-equivalent operation of our engine.
    private static void SegFaceOperators(Dictionary<string, Case> cases)
    {
        string S(int[] shape) => $"[{string.Join(",", shape)}]";
        foreach (int[] shape in new[] { new[] { 2, 3, 4, 5 }, [3, 1000] })
        {
            cases[$"Max {S(shape)} [1] (clamp min)"] = new("Max", [shape, [1]], (g, i) => g.Max(i[0], i[1]), t => t[0].Clamp(min: t[1].ToArray()[0]));
            cases[$"Sigmoid {S(shape)}"] = new("Sigmoid", [shape], (g, i) => g.Sigmoid(i[0]), t => t[0].Sigmoid()) { InputScale = 12 };
            cases[$"HardSigmoid {S(shape)}"] = new("HardSigmoid", [shape], (g, i) => g.HardSigmoid(i[0]), t => t[0].HardSigmoid()) { InputScale = 5 };
            cases[$"HardSwish {S(shape)}"] = new("HardSwish", [shape], (g, i) => g.HardSwish(i[0]), t => t[0].HardSwish()) { InputScale = 5 };
            cases[$"Erf {S(shape)}"] = new("Erf", [shape], (g, i) => g.Erf(i[0]),
                t => Tensor.FromArray([.. t[0].ToArray().Select(v => (float)FaceParse.Tensors.Kernels.Activations.Erf(v))], [.. t[0].Shape])) { InputScale = 4 };
        }
        foreach (int[] shape in new[] { new[] { 2, 3, 4, 5 }, [2, 8, 19, 64], [1, 4, 49, 49] })
            cases[$"Softmax {S(shape)} axis -1"] = new("Softmax", [shape], (g, i) => g.Softmax(i[0], -1), t => t[0].Softmax(-1)) { InputScale = 8 };
        foreach (var (shape, perm) in new[] { (new[] { 2, 3, 4, 5 }, new[] { 0, 2, 3, 1 }), ([2, 5, 4, 3], [0, 3, 1, 2]), ([2, 3, 2, 4, 2, 5], [0, 1, 3, 2, 4, 5]), ([2, 7, 3, 4], [0, 2, 3, 1]) })
            cases[$"Transpose {S(shape)} perm {S(perm)}"] = new("Transpose", [shape], (g, i) => g.Transpose(i[0], [.. perm.Select(p => (long)p)]), t => t[0].Permute(perm).Contiguous());
        foreach (var (shapes, axis) in new[] { (new[] { new[] { 2, 3, 4, 5 }, [2, 1, 4, 5], [2, 6, 4, 5] }, 1), ([[2, 3, 4, 5], [2, 3, 2, 5]], 2), ([[2, 6, 3], [2, 6, 3]], -1) })
            cases[$"Concat {string.Join(" ", shapes.Select(S))} axis {axis}"] = new("Concat", shapes, (g, i) => g.Concat(i, axis), t => Tensor.Concat(t, axis));
        foreach (var (shape, starts, ends, axes) in new[] { (new[] { 2, 9, 7, 3 }, new long[] { 0, 0 }, new long[] { 5, 4 }, new long[] { 1, 2 }), ([2, 9, 7, 3], [6], [9], [1]), ([4, 10], [3], [10], [1]) })
            cases[$"Slice {S(shape)} {S([.. starts.Select(v => (int)v)])}:{S([.. ends.Select(v => (int)v)])} axes {S([.. axes.Select(v => (int)v)])}"] = new("Slice", [shape],
                (g, i) => g.Slice(i[0], starts, ends, axes),
                t => axes.Select((a, j) => (a, j)).Aggregate(t[0], (x, p) => x.Narrow((int)p.a, (int)starts[p.j], (int)(ends[p.j] - starts[p.j]))).Contiguous());
        foreach (var (shape, pads, torchPads) in new[] { (new[] { 2, 5, 6, 3 }, new long[] { 0, 0, 0, 0, 0, 1, 2, 0 }, new[] { 0, 0, 0, 2, 0, 1 }), ([1, 3, 7, 4], [0, 0, 0, 0, 0, 0, 1, 0], [0, 0, 0, 1, 0, 0]) })
            foreach (int opset in new[] { 17, 18 })
                cases[$"Pad opset {opset} {S(shape)} {S([.. pads.Select(v => (int)v)])}"] = new("Pad", [shape], (g, i) => g.Pad(i[0], pads), t => t[0].Pad(torchPads), opset);
        foreach (int[] shape in new[] { new[] { 1, 4, 13, 17 }, [2, 3, 8, 8] })
            cases[$"MaxPool 3/2/1 {S(shape)}"] = new("MaxPool", [shape], (g, i) => g.MaxPool(i[0], 3, 2, 1), t => t[0].MaxPool2d(3, 2, 1)) { InputScale = 4 };
        foreach (var (n, ci, co, h, w, bias) in new[] { (2, 16, 8, 5, 7, true), (1, 8, 4, 6, 6, false) })
        {
            int[][] shapes = bias ? [[n, ci, h, w], [ci, co, 2, 2], [co]] : [[n, ci, h, w], [ci, co, 2, 2]];
            cases[$"ConvTranspose k2 s2 {S(shapes[0])}→{co}{(bias ? "" : " no bias")}"] = new("ConvTranspose", shapes,
                (g, i) => g.ConvTranspose(i[0], i[1], bias ? i[2] : null, 2, 2), t => t[0].ConvTranspose2d(t[1], bias ? t[2] : null, 2));
        }
        foreach (var (shape, eps) in new[] { (new[] { 2, 7, 16 }, 1e-5f), ([1, 5, 6, 64], 1e-6f), ([3, 256], 1e-5f) })
            foreach (int opset in new[] { 17, 21 })
                cases[$"LayerNormalization opset {opset} {S(shape)} eps {eps:R}"] = new("LayerNormalization", [shape, [shape[^1]], [shape[^1]]],
                    (g, i) => g.LayerNormalization(i[0], i[1], i[2], eps), t => t[0].LayerNorm(t[1], t[2], eps), opset) { InputScale = 3 };
        foreach (int opset in new[] { 17, 18 })
            foreach (int[] shape in new[] { new[] { 2, 4, 9, 32 }, [3, 5] })
                cases[$"ReduceL2 opset {opset} {S(shape)} axis -1"] = new("ReduceL2", [shape], (g, i) => g.ReduceL2(i[0], [-1]), t => t[0].Square().Sum([-1], keepDim: true).Sqrt(), opset);
        foreach (var (shape, oh, ow) in new[] { (new[] { 1, 3, 4, 5 }, 16, 20), ([2, 2, 16, 16], 64, 64), ([1, 3, 20, 24], 7, 11), ([1, 2, 8, 8], 173, 61), ([1, 2, 9, 13], 9, 40), ([1, 1, 3, 100], 7, 3), ([1, 2, 3, 5], 10, 10) })
            foreach (int opset in new[] { 17, 21 })
                cases[$"Resize bilinear opset {opset} {S(shape)}→{oh}x{ow}"] = new("Resize", [shape],
                    (g, i) => g.ResizeBilinear(i[0], shape[2], shape[3], oh, ow), t => t[0].Interpolate(oh, ow, InterpolateMode.Bilinear, alignCorners: false), opset);
    }

    public static TheoryData<string> CaseNames() => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void OperatorMatchesOnnxRuntime(string name)
    {
        Ort.Require();
        var c = Cases[name];
        var rng = new Random(name.Length * 31 + name[^1]);
        var inputs = c.Shapes.Select(s => Tensor.FromArray(Ort.Random(rng, s.Aggregate(1L, (a, d) => a * d), c.InputScale), s)).ToArray();
        var ours = c.Ours(inputs).Contiguous();

        var graph = new OnnxGraph(c.Opset);
        var names = c.Shapes.Select((s, i) => graph.Input($"in{i}", [.. s.Cast<object>()])).ToArray();
        graph.Output(c.Node(graph, names), "out", [.. ours.Shape.Cast<object>()]);
        Assert.Equal([c.Op], graph.OpTypes);
        using var session = new OrtSession(OnnxModelWriter.ToBytes(graph, [], "op", ""), threads: 1, optimize: false);
        var result = session.Run([.. inputs.Select((t, i) => ($"in{i}", t.ToArray(), t.Shape.Select(d => (long)d).ToArray()))])[0];

        Assert.Equal(ours.Shape.Select(d => (long)d), result.Shape);
        float[] expected = ours.ToArray();
        double maxDiff = 0, scale = 1;
        for (int i = 0; i < expected.Length; i++)
        {
            maxDiff = Math.Max(maxDiff, Math.Abs(expected[i] - result.Values[i]));
            scale = Math.Max(scale, Math.Abs(result.Values[i]));
        }
        // Sums of up to `reduction` products in float32: a bound that grows like √reduction; elementwise ops must agree to rounding.
        int reduction = c.Op switch
        {
            "Conv" => c.Shapes[1][1] * c.Shapes[1][2] * c.Shapes[1][3], "MatMul" or "Gemm" => c.Shapes[0][^1], "ReduceMean" => c.Shapes[0][2] * c.Shapes[0][3],
            "ConvTranspose" => c.Shapes[1][0], "LayerNormalization" or "ReduceL2" or "Softmax" => c.Shapes[0][^1], _ => 1,
        };
        double tolerance = 1e-6 * scale * Math.Sqrt(reduction);
        // Resize: both compute the source coordinate (dst + ½)·in/out − ½ in float (ORT dividing by the float scale out/in, our
        // engine multiplying by in/out), so it may differ by a few ulp of a value up to `in`; the result moves by that times the
        // difference of two neighbours (≤ 2·max|x|): allow 8 ulp of `in`.
        if (c.Op == "Resize") tolerance += 8 * Math.Pow(2, -24) * Math.Max(c.Shapes[0][2], c.Shapes[0][3]) * 2 * scale;
        Assert.True(maxDiff <= tolerance, $"{name}: max |ours − ORT| = {maxDiff:E2} > {tolerance:E2}");
    }

    [Fact]
    public void ResizeScalesGiveExactlyTheAskedSizeInFloatAndExactly()
    {
        for (int input = 1; input <= 300; input++)
            for (int output = 1; output <= 2100; output += input % 7 + 1)
            {
                float s = OnnxOps.ResizeScale(input, output);
                Assert.Equal(output, (long)((double)s * input));
                Assert.Equal(output, (long)(s * input));
                Assert.True(Math.Abs((double)s * input - output) < 1e-3, $"{input}→{output}: scale {s:R}");
            }
    }

    [Fact]
    public void EveryOperatorTheExportersMayEmitHasConformanceCases() =>
        Assert.Equal(OnnxOps.Supported.Order(), Cases.Values.Select(c => c.Op).Distinct().Order());
}
