using TorchSharp;
using static TorchSharp.torch;

namespace TorchReference;

// The deterministic values of FIXTURES.md ("formula weights", the formula input); sin in double, rounded to float32 once.
internal static class Formula
{
    // x[1,3,64,48], flat element i: sin(0.11 i).
    public static Tensor Input(long n = 1, long c = 3, long h = 64, long w = 48) => Sin(new[] { n, c, h, w }, 0.11, 0, 1);

    // a * sin(f * i + p) + offset over a row-major tensor of the given shape (used for op inputs too).
    public static Tensor Sin(long[] shape, double f, double p, double a, double offset = 0)
    {
        long numel = shape.Aggregate(1L, (x, y) => x * y);
        var data = new float[numel];
        for (long i = 0; i < numel; i++) data[i] = (float)(offset + a * Math.Sin(f * i + p));
        return tensor(data, shape, ScalarType.Float32);
    }

    // Tensor j of the state dict (PyTorch order), element i.
    public static float[]? Weight(string key, Tensor t, int j)
    {
        if (!t.is_floating_point()) return null; // integer tensors keep their values but still take an index j
        long numel = t.numel();
        var data = new float[numel];
        int rank = (int)t.dim();
        double fanIn = rank >= 2 ? (double)numel / t.shape[0] : 1;
        for (long i = 0; i < numel; i++)
        {
            double s = Math.Sin(0.37 * i + 1.3 * j);
            double v;
            if (rank >= 2) v = 1.7 * s / Math.Sqrt(fanIn);
            else if (key.EndsWith("running_var", StringComparison.Ordinal)) v = 1 + 0.2 * s;
            else if (rank == 1 && key.EndsWith(".weight", StringComparison.Ordinal)) v = 1 + 0.1 * s;
            else v = 0.02 * s;
            data[i] = (float)v;
        }
        return data;
    }

    // Sets every float tensor of the state dict (walked in PyTorch's order) to its formula value.
    public static void Apply(IReadOnlyList<(string Key, Tensor Value)> stateDict)
    {
        using var _ = no_grad();
        for (int j = 0; j < stateDict.Count; j++)
        {
            var (key, t) = stateDict[j];
            var data = Weight(key, t, j);
            if (data is null) continue;
            using var src = tensor(data, t.shape, ScalarType.Float32);
            t.copy_(src);
        }
    }
}

// PyTorch's state_dict() order: a module's own parameters, then its own persistent buffers, then each child in
// registration order, recursively. (TorchSharp's own state_dict() lists all parameters before all buffers.)
internal static class StateDictOrder
{
    public static List<(string Key, Tensor Value)> Of(nn.Module module)
    {
        var list = new List<(string, Tensor)>();
        Walk(module, "", list);
        return list;
    }

    private static void Walk(nn.Module m, string prefix, List<(string, Tensor)> list)
    {
        foreach (var (name, p) in m.named_parameters(recurse: false)) list.Add((prefix + name, p));
        foreach (var (name, b) in m.named_buffers(recurse: false, include_nonpersistent: false)) list.Add((prefix + name, b));
        foreach (var (name, child) in m.named_children()) Walk(child, prefix + name + ".", list);
    }

    public static long ParameterCount(nn.Module m) => m.parameters().Sum(p => p.numel());

    public static long BufferCount(nn.Module m) => m.buffers().Sum(b => b.numel());
}
